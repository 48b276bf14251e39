import AjarCore
import AjarProviders
import Testing

/// OpenAI's Chat Completions wire format: requests decoded and validated as OpenAI validates them,
/// and encoded back (`OpenAIWireTests+Encoding.swift`). Answers and stream chunks are in
/// `OpenAIWireTests+Answers.swift`.
@Suite struct OpenAIWireTests {
    static let hi = ChatMessage(role: .user, text: "Hi")
    static let hiJSON = #"[{"role":"user","content":"Hi"}]"#

    static func request(_ messages: [ChatMessage] = [hi], _ edit: (inout ChatRequest) -> Void = { _ in }) -> ChatRequest
    {
        var request = ChatRequest(model: "gpt-4o", messages: messages)
        edit(&request)
        return request
    }

    static func decode(_ text: String) throws -> ChatRequest {
        try OpenAIWire.decodeRequest(JSONParser.parse(text))
    }

    static let weatherSchema: JSON = [
        "type": "object",
        "properties": ["location": ["type": "string"], "unit": ["type": "string", "enum": ["c", "f"]]],
        "required": ["location"],
    ]

    // MARK: - Valid bodies

    static let valid: [(String, String, ChatRequest)] = [
        ("minimal", #"{"model":"gpt-4o","messages":\#(hiJSON)}"#, request()),
        (
            "sampling fields",
            #"""
            {"model":"gpt-4o","messages":\#(hiJSON),"temperature":0.7,"top_p":0.9,"n":2,"max_tokens":100,"seed":42,
             "presence_penalty":-1.5,"frequency_penalty":2,"logprobs":true,"top_logprobs":5,"user":"u-1","top_k":40,
             "parallel_tool_calls":false}
            """#,
            request { r in
                r.temperature = 0.7
                r.topP = 0.9
                r.n = 2
                r.maxTokens = 100
                r.seed = 42
                r.presencePenalty = -1.5
                r.frequencyPenalty = 2
                r.logprobs = true
                r.topLogprobs = 5
                r.user = "u-1"
                r.topK = 40
                r.parallelToolCalls = false
            }
        ),
        (
            "range bounds are inclusive",
            #"{"model":"gpt-4o","messages":\#(hiJSON),"temperature":2,"top_p":0,"n":128,"top_logprobs":20,"presence_penalty":-2}"#,
            request { r in
                r.temperature = 2
                r.topP = 0
                r.n = 128
                r.topLogprobs = 20
                r.presencePenalty = -2
            }
        ),
        (
            "max_completion_tokens",
            #"{"model":"gpt-4o","messages":\#(hiJSON),"max_completion_tokens":50}"#, request { $0.maxTokens = 50 }
        ),
        (
            "max_completion_tokens wins over max_tokens",
            #"{"model":"gpt-4o","messages":\#(hiJSON),"max_tokens":10,"max_completion_tokens":50}"#,
            request { $0.maxTokens = 50 }
        ),
        ("stop as a string", #"{"model":"gpt-4o","messages":\#(hiJSON),"stop":"END"}"#, request { $0.stop = ["END"] }),
        (
            "stop as an array", #"{"model":"gpt-4o","messages":\#(hiJSON),"stop":["\n\n","END"]}"#,
            request { $0.stop = ["\n\n", "END"] }
        ),
        (
            "seed as a whole double", #"{"model":"gpt-4o","messages":\#(hiJSON),"seed":7.0}"#,
            request { $0.seed = 7 }
        ),
        (
            "seed at Int64.min", #"{"model":"gpt-4o","messages":\#(hiJSON),"seed":-9223372036854775808}"#,
            request { $0.seed = .min }
        ),
        (
            "stream with include_usage",
            #"{"model":"gpt-4o","messages":\#(hiJSON),"stream":true,"stream_options":{"include_usage":true}}"#,
            request { r in
                r.stream = true
                r.includeUsage = true
            }
        ),
        (
            "nulls read as absent",
            #"""
            {"model":"gpt-4o","messages":\#(hiJSON),"temperature":null,"tools":null,"tool_choice":null,"stop":null,
             "seed":null,"response_format":null,"stream":null,"n":null,"max_tokens":null}
            """#,
            request()
        ),
        (
            "tools and a named tool_choice",
            #"""
            {"model":"gpt-4o","messages":\#(hiJSON),
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",
               "parameters":\#(weatherSchema.text),"strict":true}},{"function":{"name":"Get-Time_2"}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}}}
            """#,
            request { r in
                r.tools = [
                    ToolDefinition(
                        name: "get_weather", description: "Weather now", parameters: weatherSchema, strict: true),
                    ToolDefinition(name: "Get-Time_2"),
                ]
                r.toolChoice = .function("get_weather")
            }
        ),
        (
            "tool_choice auto", #"{"model":"gpt-4o","messages":\#(hiJSON),"tool_choice":"auto"}"#,
            request { $0.toolChoice = .auto }
        ),
        (
            "tool_choice none", #"{"model":"gpt-4o","messages":\#(hiJSON),"tool_choice":"none"}"#,
            request { $0.toolChoice = ToolChoice.none }
        ),
        (
            "tool_choice required", #"{"model":"gpt-4o","messages":\#(hiJSON),"tool_choice":"required"}"#,
            request { $0.toolChoice = .required }
        ),
        (
            "response_format json_object",
            #"{"model":"gpt-4o","messages":\#(hiJSON),"response_format":{"type":"json_object"}}"#,
            request { $0.responseFormat = .jsonObject }
        ),
        (
            "response_format text", #"{"model":"gpt-4o","messages":\#(hiJSON),"response_format":{"type":"text"}}"#,
            request { $0.responseFormat = .text }
        ),
        (
            "response_format json_schema",
            #"""
            {"model":"gpt-4o","messages":\#(hiJSON),"response_format":{"type":"json_schema","json_schema":
              {"name":"weather","description":"A report","schema":\#(weatherSchema.text),"strict":true}}}
            """#,
            request {
                $0.responseFormat = .jsonSchema(
                    name: "weather", description: "A report", schema: weatherSchema, strict: true)
            }
        ),
        (
            "response_format json_schema with only a name",
            #"{"model":"gpt-4o","messages":\#(hiJSON),"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}"#,
            request { $0.responseFormat = .jsonSchema(name: "x", description: nil, schema: nil, strict: nil) }
        ),
        (
            "multimodal parts",
            #"""
            {"model":"gpt-4o","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}},
              {"type":"image_url","image_url":"data:image/png;base64,iVBORw0KGgo="},
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"file","file":{"file_id":"file-123"}},
              {"type":"input_text","text":"and this"}]}]}
            """#,
            request([
                ChatMessage(
                    role: .user,
                    content: [
                        .text("What is this?"), .image(ImageSource(url: "https://example.com/cat.png", detail: "high")),
                        .image(ImageSource(url: "data:image/png;base64,iVBORw0KGgo=")),
                        .audio(data: "UklGRg==", format: "wav"),
                        .file(["file_id": "file-123"]), .text("and this"),
                    ])
            ])
        ),
        (
            "every role, names, tool calls and tool results",
            #"""
            {"model":"gpt-4o","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":"Use tools."},
              {"role":"user","name":"ann","content":"Weather?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"function","name":"legacy","content":"old"},
              {"role":"assistant","content":[{"type":"refusal","refusal":"no"}],"refusal":"no"}]}
            """#,
            request([
                ChatMessage(role: .system, text: "Be brief."),
                ChatMessage(role: .developer, text: "Use tools."),
                {
                    var m = ChatMessage(role: .user, text: "Weather?")
                    m.name = "ann"
                    return m
                }(),
                {
                    var m = ChatMessage(role: .assistant, content: [])
                    m.toolCalls = [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"location":"Paris"}"#)]
                    return m
                }(),
                {
                    var m = ChatMessage(role: .tool, text: "18C")
                    m.toolCallID = "call_1"
                    return m
                }(),
                {
                    var m = ChatMessage(role: .tool, text: "old")
                    m.name = "legacy"
                    return m
                }(),
                {
                    var m = ChatMessage(role: .assistant, content: [])
                    m.refusal = "no"
                    return m
                }(),
            ])
        ),
        (
            "a tool call without arguments gets {}",
            #"{"model":"gpt-4o","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f"}}]}]}"#,
            request([
                {
                    var m = ChatMessage(role: .assistant, content: [])
                    m.toolCalls = [ToolCall(id: "c", name: "f", arguments: "{}")]
                    return m
                }()
            ])
        ),
        (
            "unknown keys are kept in extra, in order",
            #"""
            {"metadata":{"b":1,"a":2},"model":"gpt-4o","store":true,"messages":\#(hiJSON),"reasoning_effort":"low",
             "service_tier":"auto","temperature":1}
            """#,
            request { r in
                r.temperature = 1
                r.extra.append("metadata", ["b": 1, "a": 2])
                r.extra.append("store", true)
                r.extra.append("reasoning_effort", "low")
                r.extra.append("service_tier", "auto")
            }
        ),
    ]

    @Test("decodes each valid body to the expected canonical request", arguments: valid)
    func decodesValid(name: String, body: String, expected: ChatRequest) throws {
        let decoded = try Self.decode(body)
        #expect(decoded == expected, "\(name)")
    }

    @Test("keeps the key order of a JSON schema, of tool parameters and of extra fields")
    func keyOrderPreserved() throws {
        let body = #"""
            {"model":"m","messages":[{"role":"user","content":"x"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":
               {"type":"object","properties":{"zulu":{"type":"string"},"alpha":{"type":"number"},"mike":{"type":"boolean"}},
                "required":["zulu","alpha","mike"],"additionalProperties":false}}},
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"z":{},"a":{}}}}}],
             "z_extra":1,"a_extra":2}
            """#
        let request = try Self.decode(body)
        guard case .jsonSchema(_, _, let schema?, _) = request.responseFormat else {
            Issue.record("no schema: \(String(describing: request.responseFormat))")
            return
        }
        #expect(schema.objectValue?.keys == ["type", "properties", "required", "additionalProperties"])
        #expect(schema["properties"]?.objectValue?.keys == ["zulu", "alpha", "mike"])
        #expect(request.tools.first?.parameters?["properties"]?.objectValue?.keys == ["z", "a"])
        #expect(request.extra.keys == ["z_extra", "a_extra"])
        // And the same order goes out to the upstream, byte for byte.
        let encoded = OpenAIWire.encodeRequest(request)
        #expect(encoded["response_format"]?["json_schema"]?["schema"]?.text == schema.text)
        #expect(encoded.text.contains(#""properties":{"zulu":{"type":"string"},"alpha":{"type":"number"},"mike""#))
    }

    // MARK: - Invalid bodies

    static let invalid: [(String, String, String)] = [
        ("body not an object", #"[1,2]"#, "body"),
        ("missing model", #"{"messages":\#(hiJSON)}"#, "model"),
        ("model not a string", #"{"model":4,"messages":\#(hiJSON)}"#, "model"),
        ("missing messages", #"{"model":"m"}"#, "messages"),
        ("messages not an array", #"{"model":"m","messages":"hi"}"#, "messages"),
        ("empty messages", #"{"model":"m","messages":[]}"#, "messages"),
        ("message not an object", #"{"model":"m","messages":["hi"]}"#, "messages[0]"),
        ("bad role", #"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, "messages[0].role"),
        (
            "missing role", #"{"model":"m","messages":[{"role":"user","content":"x"},{"content":"y"}]}"#,
            "messages[1].role"
        ),
        ("content a number", #"{"model":"m","messages":[{"role":"user","content":42}]}"#, "messages[0].content"),
        ("user content missing", #"{"model":"m","messages":[{"role":"user"}]}"#, "messages[0].content"),
        (
            "part not an object", #"{"model":"m","messages":[{"role":"user","content":["x"]}]}"#,
            "messages[0].content[0]"
        ),
        (
            "part of unknown type", #"{"model":"m","messages":[{"role":"user","content":[{"type":"video"}]}]}"#,
            "messages[0].content[0].type"
        ),
        (
            "text part without text", #"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
            "messages[0].content[0].text"
        ),
        (
            "image part without image_url",
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"}]}]}"#,
            "messages[0].content[1].image_url"
        ),
        (
            "image_url without url",
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}"#,
            "messages[0].content[0].image_url.url"
        ),
        (
            "audio without format",
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x"}}]}]}"#,
            "messages[0].content[0].input_audio.format"
        ),
        (
            "tool call without id",
            #"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f"}}]}]}"#,
            "messages[0].tool_calls[0].id"
        ),
        (
            "tool message without tool_call_id",
            #"{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","content":"18C"}]}"#,
            "messages[1].tool_call_id"
        ),
        (
            "name not a string", #"{"model":"m","messages":[{"role":"user","content":"x","name":1}]}"#,
            "messages[0].name"
        ),
        ("temperature 3", #"{"model":"m","messages":\#(hiJSON),"temperature":3}"#, "temperature"),
        ("temperature negative", #"{"model":"m","messages":\#(hiJSON),"temperature":-0.1}"#, "temperature"),
        ("temperature a string", #"{"model":"m","messages":\#(hiJSON),"temperature":"hot"}"#, "temperature"),
        ("top_p 1.5", #"{"model":"m","messages":\#(hiJSON),"top_p":1.5}"#, "top_p"),
        ("presence_penalty -3", #"{"model":"m","messages":\#(hiJSON),"presence_penalty":-3}"#, "presence_penalty"),
        ("frequency_penalty 2.5", #"{"model":"m","messages":\#(hiJSON),"frequency_penalty":2.5}"#, "frequency_penalty"),
        ("n 0", #"{"model":"m","messages":\#(hiJSON),"n":0}"#, "n"),
        ("n 129", #"{"model":"m","messages":\#(hiJSON),"n":129}"#, "n"),
        ("n 1.5", #"{"model":"m","messages":\#(hiJSON),"n":1.5}"#, "n"),
        ("max_tokens 0", #"{"model":"m","messages":\#(hiJSON),"max_tokens":0}"#, "max_tokens"),
        (
            "max_completion_tokens -1", #"{"model":"m","messages":\#(hiJSON),"max_completion_tokens":-1}"#,
            "max_completion_tokens"
        ),
        ("max_tokens a string", #"{"model":"m","messages":\#(hiJSON),"max_tokens":"10"}"#, "max_tokens"),
        ("top_logprobs 21", #"{"model":"m","messages":\#(hiJSON),"top_logprobs":21}"#, "top_logprobs"),
        ("top_logprobs -1", #"{"model":"m","messages":\#(hiJSON),"top_logprobs":-1}"#, "top_logprobs"),
        ("logprobs a string", #"{"model":"m","messages":\#(hiJSON),"logprobs":"yes"}"#, "logprobs"),
        ("stop a number", #"{"model":"m","messages":\#(hiJSON),"stop":5}"#, "stop"),
        ("stop with a number inside", #"{"model":"m","messages":\#(hiJSON),"stop":["a",1]}"#, "stop[1]"),
        ("seed a string", #"{"model":"m","messages":\#(hiJSON),"seed":"abc"}"#, "seed"),
        ("seed a fraction", #"{"model":"m","messages":\#(hiJSON),"seed":1.5}"#, "seed"),
        ("stream a string", #"{"model":"m","messages":\#(hiJSON),"stream":"yes"}"#, "stream"),
        (
            "include_usage a string",
            #"{"model":"m","messages":\#(hiJSON),"stream":true,"stream_options":{"include_usage":"y"}}"#,
            "stream_options.include_usage"
        ),
        ("user a number", #"{"model":"m","messages":\#(hiJSON),"user":5}"#, "user"),
        ("tools not an array", #"{"model":"m","messages":\#(hiJSON),"tools":{}}"#, "tools"),
        (
            "tool name with spaces",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function","function":{"name":"get weather"}}]}"#,
            "tools[0].function.name"
        ),
        (
            "tool name with a dot",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function","function":{"name":"get.weather"}}]}"#,
            "tools[0].function.name"
        ),
        (
            "tool name of 65 characters",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function","function":{"name":"\#(String(repeating: "a", count: 65))"}}]}"#,
            "tools[0].function.name"
        ),
        (
            "tool name not ASCII",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function","function":{"name":"météo"}}]}"#,
            "tools[0].function.name"
        ),
        (
            "empty tool name",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function","function":{"name":""}}]}"#,
            "tools[0].function.name"
        ),
        (
            "tool without function", #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function"}]}"#,
            "tools[0].function"
        ),
        (
            "tool of another type",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"retrieval","function":{"name":"f"}}]}"#,
            "tools[0].type"
        ),
        (
            "tool parameters not an object",
            #"{"model":"m","messages":\#(hiJSON),"tools":[{"type":"function","function":{"name":"f","parameters":[]}}]}"#,
            "tools[0].function.parameters"
        ),
        ("tool_choice unknown", #"{"model":"m","messages":\#(hiJSON),"tool_choice":"maybe"}"#, "tool_choice"),
        ("tool_choice a number", #"{"model":"m","messages":\#(hiJSON),"tool_choice":1}"#, "tool_choice"),
        (
            "tool_choice without function", #"{"model":"m","messages":\#(hiJSON),"tool_choice":{"type":"function"}}"#,
            "tool_choice.function"
        ),
        (
            "tool_choice without a name",
            #"{"model":"m","messages":\#(hiJSON),"tool_choice":{"type":"function","function":{}}}"#,
            "tool_choice.function.name"
        ),
        (
            "response_format a string", #"{"model":"m","messages":\#(hiJSON),"response_format":"json"}"#,
            "response_format"
        ),
        (
            "response_format unknown type", #"{"model":"m","messages":\#(hiJSON),"response_format":{"type":"xml"}}"#,
            "response_format.type"
        ),
        (
            "json_schema missing", #"{"model":"m","messages":\#(hiJSON),"response_format":{"type":"json_schema"}}"#,
            "response_format.json_schema"
        ),
        (
            "json_schema without a name",
            #"{"model":"m","messages":\#(hiJSON),"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}"#,
            "response_format.json_schema.name"
        ),
        (
            "json_schema schema not an object",
            #"{"model":"m","messages":\#(hiJSON),"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":true}}}"#,
            "response_format.json_schema.schema"
        ),
    ]

    @Test("refuses each invalid body with invalidRequest naming the parameter", arguments: invalid)
    func refusesInvalid(name: String, body: String, param: String) throws {
        let json = try JSONParser.parse(body)
        let error = #expect(throws: GatewayError.self, "\(name)") { try OpenAIWire.decodeRequest(json) }
        guard case .invalidRequest(let message, let actual)? = error else {
            Issue.record("\(name): \(String(describing: error))")
            return
        }
        #expect(actual == param, "\(name): \(message)")
        #expect(error?.status == 400)
        #expect(!message.isEmpty)
    }

    @Test("error messages follow OpenAI's wording")
    func messages() throws {
        func message(_ body: String) throws -> String? {
            let json = try JSONParser.parse(body)
            return #expect(throws: GatewayError.self) { try OpenAIWire.decodeRequest(json) }?.message
        }
        #expect(try message(#"{"messages":\#(Self.hiJSON)}"#) == "Missing required parameter: 'model'.")
        #expect(
            try message(#"{"model":"m","messages":\#(Self.hiJSON),"temperature":3}"#)
                == "Invalid 'temperature': must be between 0.0 and 2.0.")
        #expect(
            try message(#"{"model":"m","messages":[{"role":"user","content":42}]}"#)
                == "Invalid type for 'messages[0].content': expected a string or an array of content parts, but got number."
        )
        #expect(try message(#"{"model":"m","messages":[]}"#) == "'messages' must contain at least one message.")
    }
}
