import AjarCore
import AjarProviders
import Testing

/// Requests encoded for OpenAI-compatible upstreams: decode → encode round trips and field choices.
extension OpenAIWireTests {
    // MARK: - Encoding

    /// Bodies in the form OpenAI's own SDKs send, which must survive decode → encode unchanged.
    static let canonical: [(String, String, String)] = [
        ("minimal", #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}"#, "max_tokens"),
        (
            "every sampling field, streaming, tools and a schema",
            #"""
            {"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":\#(weatherSchema.text),"strict":true}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":true,
             "response_format":{"type":"json_schema","json_schema":{"name":"w","description":"d","schema":\#(weatherSchema.text),"strict":true}},
             "max_tokens":256,"temperature":0.2,"top_p":1,"n":1,"stop":["\n\n","END"],"seed":7,"presence_penalty":0.5,
             "frequency_penalty":-0.5,"logprobs":true,"top_logprobs":2,"user":"u-42","stream":true,
             "stream_options":{"include_usage":true},"metadata":{"k":"v"},"store":false}
            """#,
            "max_tokens"
        ),
        (
            "a conversation with parts, tool calls and results",
            #"""
            {"model":"gpt-4o","messages":[
              {"role":"developer","content":"Use tools."},
              {"role":"user","name":"ann","content":[{"type":"text","text":"What is this?"},
                {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}},
                {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
                {"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBER"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"look","arguments":"{}"}}]},
              {"role":"tool","content":"a cat","tool_call_id":"call_1"},
              {"role":"assistant","content":"A cat."}],
             "max_completion_tokens":1000}
            """#,
            "max_completion_tokens"
        ),
        (
            "json mode, required tools and one stop string",
            #"""
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"List."}],"tools":[{"type":"function","function":{"name":"f"}}],
             "tool_choice":"required","response_format":{"type":"json_object"},"stop":"STOP"}
            """#,
            "max_tokens"
        ),
        (
            "no tools, text format",
            #"{"model":"o3","messages":[{"role":"user","content":"x"}],"tool_choice":"none","response_format":{"type":"text"}}"#,
            "max_tokens"
        ),
    ]

    @Test("encodeRequest(decodeRequest(x)) equals x for canonical OpenAI bodies", arguments: canonical)
    func requestRoundTrip(name: String, body: String, maxTokensField: String) throws {
        let original = try JSONParser.parse(body)
        let encoded = OpenAIWire.encodeRequest(try OpenAIWire.decodeRequest(original), maxTokensField: maxTokensField)
        #expect(SemanticJSON.equal(encoded, original), "\(name): \(SemanticJSON.difference(encoded, original) ?? "")")
        // And the encoded body decodes to the same request again.
        #expect(try OpenAIWire.decodeRequest(encoded) == OpenAIWire.decodeRequest(original), "\(name)")
    }

    @Test("the token limit goes out under the chosen field name only")
    func maxTokensField() {
        let limited = Self.request { $0.maxTokens = 77 }
        let openAI = OpenAIWire.encodeRequest(limited, maxTokensField: "max_completion_tokens")
        #expect(openAI["max_completion_tokens"] == 77)
        #expect(openAI["max_tokens"] == nil)
        let compatible = OpenAIWire.encodeRequest(limited)
        #expect(compatible["max_tokens"] == 77)
        #expect(compatible["max_completion_tokens"] == nil)
    }

    @Test("a streamed request always asks the upstream for usage")
    func streamAsksForUsage() {
        let request = Self.request { $0.stream = true }
        let body = OpenAIWire.encodeRequest(request)
        #expect(body["stream"] == true)
        #expect(body["stream_options"] == ["include_usage": true])
        let unstreamed = OpenAIWire.encodeRequest(Self.request())
        #expect(unstreamed["stream"] == nil && unstreamed["stream_options"] == nil)
    }

    @Test("extra fields never override modelled ones")
    func extraDoesNotOverride() {
        let request = Self.request { r in
            r.temperature = 0.5
            r.extra["temperature"] = 2
            r.extra["model"] = "other"
            r.extra["custom"] = "kept"
        }
        let body = OpenAIWire.encodeRequest(request)
        #expect(body["temperature"] == 0.5)
        #expect(body["model"] == "gpt-4o")
        #expect(body["custom"] == "kept")
        #expect(body.objectValue?.keys.last == "custom")
    }

    @Test("a string message is sent as a string, parts as an array, and an empty assistant message as null")
    func messageContentShapes() {
        let body = OpenAIWire.encodeRequest(
            Self.request([
                ChatMessage(role: .user, text: "plain"),
                ChatMessage(role: .user, content: [.text("one part")]),
                ChatMessage(role: .assistant, content: []),
            ]))
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages.count == 3)
        #expect(messages.first?["content"] == "plain")
        #expect(messages.dropFirst().first?["content"] == [["type": "text", "text": "one part"]])
        #expect(messages.last?["content"] == .null)
    }
}
