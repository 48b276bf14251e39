import AjarCore
import AjarServer
import Testing

/// Pure tests of the Anthropic dialect: request decoding and validation, the `message` object,
/// error bodies. The stream encoder has its own suite (`AnthropicDialectStreamTests`).
@Suite struct AnthropicDialectTests {
    private func decode(_ text: String) throws -> ChatRequest {
        try AnthropicDialect.decodeRequest(try JSONParser.parse(text))
    }

    // MARK: - Requests

    @Test("decodes a full conversation: system, images, tool use and results, options")
    func decodesFullRequest() throws {
        let request = try decode(
            """
            {"model":"claude-sonnet-4-5","max_tokens":512,
             "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Use metric."}],
             "messages":[
               {"role":"user","content":[
                 {"type":"text","text":"What is this, and the weather?"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                 {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]},
               {"role":"assistant","content":[
                 {"type":"thinking","thinking":"Let me see.","signature":"sig"},
                 {"type":"text","text":"A cat. Checking the weather."},
                 {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]},
               {"role":"user","content":[
                 {"type":"tool_result","tool_use_id":"toolu_1","content":"18°C","is_error":false},
                 {"type":"text","text":"Thanks"}]},
               {"role":"assistant","content":"You're welcome."}],
             "stop_sequences":["END"],"temperature":0.2,"top_p":0.9,"top_k":5,"stream":true,
             "tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "metadata":{"user_id":"u-1"},
             "thinking":{"type":"enabled","budget_tokens":1024},
             "service_tier":"auto"}
            """)

        var assistant = ChatMessage(role: .assistant, content: [.text("A cat. Checking the weather.")])
        assistant.toolCalls = [ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"location":"Paris"}"#)]
        var result = ChatMessage(role: .tool, text: "18°C")
        result.toolCallID = "toolu_1"
        var expected = ChatRequest(model: "claude-sonnet-4-5", messages: [
            ChatMessage(role: .system, content: [.text("Be brief."), .text("Use metric.")]),
            ChatMessage(role: .user, content: [
                .text("What is this, and the weather?"),
                .image(ImageSource(url: "data:image/png;base64,iVBORw0KGgo=")),
                .image(ImageSource(url: "https://example.com/cat.jpg")),
            ]),
            assistant,
            result,
            ChatMessage(role: .user, content: [.text("Thanks")]),
            ChatMessage(role: .assistant, text: "You're welcome."),
        ])
        expected.maxTokens = 512
        expected.stop = ["END"]
        expected.temperature = 0.2
        expected.topP = 0.9
        expected.topK = 5
        expected.stream = true
        expected.includeUsage = true
        expected.tools = [
            ToolDefinition(
                name: "get_weather", description: "Weather now",
                parameters: ["type": "object", "properties": ["location": ["type": "string"]]]),
        ]
        expected.toolChoice = .required
        expected.parallelToolCalls = false
        expected.user = "u-1"
        // `thinking` is not carried in `extra`: OpenAI-compatible upstreams would refuse it.
        expected.extra = [:]
        #expect(request == expected)
    }

    @Test("a minimal request: string content, no options")
    func decodesMinimalRequest() throws {
        let request = try decode(#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"}]}"#)
        var expected = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "Hi")])
        expected.maxTokens = 1
        #expect(request == expected)
    }

    @Test("tool results come first, each as a tool message, with block content and images kept")
    func toolResults() throws {
        let request = try decode(
            """
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"Go"},
              {"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}},{"type":"tool_use","id":"b","name":"g","input":{"x":[1,2]}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"a"},
                {"type":"tool_result","tool_use_id":"b","is_error":true,"content":[{"type":"text","text":"failed"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}],
             "tool_choice":{"type":"tool","name":"f"}}
            """)
        #expect(request.messages.count == 4)
        #expect(request.messages[1].toolCalls.map(\.arguments) == ["{}", #"{"x":[1,2]}"#])
        #expect(request.messages[2].role == .tool)
        #expect(request.messages[2].toolCallID == "a")
        #expect(request.messages[2].text == "")
        #expect(request.messages[3].role == .tool)
        #expect(request.messages[3].toolCallID == "b")
        #expect(request.messages[3].content == [.text("failed"), .image(ImageSource(url: "https://x/y.png"))])
        #expect(request.toolChoice == .function("f"))
        #expect(request.stream == false)
        #expect(request.includeUsage == false)
    }

    @Test(
        "refuses invalid requests, naming the parameter in Anthropic's dotted style",
        arguments: [
            (#"[1]"#, nil),
            (#"{"max_tokens":1,"messages":[{"role":"user","content":"Hi"}]}"#, "model"),
            (#"{"model":5,"max_tokens":1,"messages":[{"role":"user","content":"Hi"}]}"#, "model"),
            (#"{"model":"m","messages":[{"role":"user","content":"Hi"}]}"#, "max_tokens"),
            (#"{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"Hi"}]}"#, "max_tokens"),
            (#"{"model":"m","max_tokens":"9","messages":[{"role":"user","content":"Hi"}]}"#, "max_tokens"),
            (#"{"model":"m","max_tokens":1}"#, "messages"),
            (#"{"model":"m","max_tokens":1,"messages":[]}"#, "messages"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"Hi"}]}"#, "messages.0.role"),
            (#"{"model":"m","max_tokens":1,"messages":[{"content":"Hi"}]}"#, "messages.0.role"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user"}]}"#, "messages.0.content"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":7}]}"#, "messages.0.content"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[]}]}"#, "messages.0"),
            (#"{"model":"m","max_tokens":1,"messages":["Hi"]}"#, "messages.0"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"video"}]}]}"#,
             "messages.1.content.0.type"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"text":"Hi"}]}]}"#, "messages.0.content.0.type"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text"}]}]}"#, "messages.0.content.0.text"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"f","input":{}}]}]}"#,
             "messages.0.content.0.type"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"nope","content":"x"}]}]}"#,
             "messages.0.content.0.tool_use_id"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":"{}"}]}]}"#,
             "messages.0.content.0.input"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"x"}}]}]}"#,
             "messages.0.content.0.source.media_type"),
            (#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}"#,
             "messages.0.content.0.source.type"),
            (#"{"model":"m","max_tokens":1,"system":3,"messages":[{"role":"user","content":"Hi"}]}"#, "system"),
            (#"{"model":"m","max_tokens":1,"system":[{"type":"image"}],"messages":[{"role":"user","content":"Hi"}]}"#, "system.0.type"),
            (#"{"model":"m","max_tokens":1,"stop_sequences":["a",1],"messages":[{"role":"user","content":"Hi"}]}"#, "stop_sequences.1"),
            (#"{"model":"m","max_tokens":1,"temperature":1.5,"messages":[{"role":"user","content":"Hi"}]}"#, "temperature"),
            (#"{"model":"m","max_tokens":1,"top_p":"high","messages":[{"role":"user","content":"Hi"}]}"#, "top_p"),
            (#"{"model":"m","max_tokens":1,"stream":"yes","messages":[{"role":"user","content":"Hi"}]}"#, "stream"),
            (#"{"model":"m","max_tokens":1,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"Hi"}]}"#, "tools.0.input_schema"),
            (#"{"model":"m","max_tokens":1,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"Hi"}]}"#,
             "tools.0.type"),
            (#"{"model":"m","max_tokens":1,"tool_choice":{"type":"sometimes"},"messages":[{"role":"user","content":"Hi"}]}"#, "tool_choice.type"),
            (#"{"model":"m","max_tokens":1,"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"Hi"}]}"#, "tool_choice.name"),
            (#"{"model":"m","max_tokens":1,"metadata":{"user_id":7},"messages":[{"role":"user","content":"Hi"}]}"#, "metadata.user_id"),
        ] as [(String, String?)])
    func refusesInvalidRequests(body: String, param: String?) throws {
        let json = try JSONParser.parse(body)
        do {
            _ = try AnthropicDialect.decodeRequest(json)
            Issue.record("expected an error for \(body)")
        } catch {
            guard case .invalidRequest(let message, let actual) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(actual == param)
            #expect(!message.isEmpty)
        }
    }

    @Test("error messages start with the parameter path, as Anthropic's do")
    func errorMessageStyle() throws {
        #expect(throws: GatewayError.invalidRequest("max_tokens: Input should be greater than or equal to 1", param: "max_tokens")) {
            try decode(#"{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"Hi"}]}"#)
        }
        #expect(
            throws: GatewayError.invalidRequest(
                "messages.0.content.0.type: Input tag 'video' found using 'type' does not match any of the expected tags: 'text', 'image', 'document', 'tool_result'",
                param: "messages.0.content.0.type")
        ) {
            try decode(#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"video"}]}]}"#)
        }
    }

    @Test("a PDF document block becomes an OpenAI-style file part")
    func document() throws {
        let request = try decode(
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","title":"a.pdf","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}]}]}"#)
        #expect(request.messages[0].content == [.file(["filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="])])
    }

    // MARK: - Responses

    @Test("encodes a message with text, tool_use, stop reason and usage")
    func encodesResponse() {
        var message = ChatMessage(role: .assistant, text: "Let me check.")
        message.toolCalls = [
            ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"location":"Paris"}"#),
            ToolCall(id: "toolu_2", name: "broken", arguments: "{not json"),
        ]
        let response = ChatResponse(
            id: "chatcmpl-123", model: "gpt-4o-2024-08-06", created: 1,
            choices: [ChatChoice(index: 0, message: message, finishReason: .toolCalls)],
            usage: Usage(promptTokens: 120, completionTokens: 30, cachedPromptTokens: 100))
        let expected: JSON = [
            "id": "msg_chatcmpl-123",
            "type": "message",
            "role": "assistant",
            "model": "my-alias",
            "content": [
                ["type": "text", "text": "Let me check."],
                ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["location": "Paris"]],
                ["type": "tool_use", "id": "toolu_2", "name": "broken", "input": [:]],
            ],
            "stop_reason": "tool_use",
            "stop_sequence": nil,
            "usage": ["input_tokens": 20, "cache_read_input_tokens": 100, "output_tokens": 30],
        ]
        #expect(AnthropicDialect.encodeResponse(response, model: "my-alias") == expected)
    }

    @Test(
        "maps finish reasons to stop_reason and stop_sequence",
        arguments: [
            (FinishReason.stop(), "end_turn", nil), (.stop(sequence: "END"), "stop_sequence", "END"),
            (.length, "max_tokens", nil), (.toolCalls, "tool_use", nil), (.contentFilter, "refusal", nil),
            (.other("pause_turn"), "pause_turn", nil), (.other("SAFETY_X"), "end_turn", nil),
        ] as [(FinishReason, String, String?)])
    func stopReasons(finish: FinishReason, reason: String, sequence: String?) {
        let response = ChatResponse(
            id: "msg_1", model: "x", created: 1,
            choices: [ChatChoice(index: 0, message: ChatMessage(role: .assistant, text: "Hi"), finishReason: finish)])
        let json = AnthropicDialect.encodeResponse(response, model: "m")
        #expect(json["id"] == "msg_1")
        #expect(json["stop_reason"] == .string(reason))
        #expect(json["stop_sequence"] == JSON(sequence))
        #expect(json["usage"] == ["input_tokens": 0, "output_tokens": 0])
    }

    // MARK: - Errors

    @Test(
        "error bodies carry the Anthropic type for the status",
        arguments: [
            (GatewayError.invalidRequest("bad", param: "model"), "invalid_request_error"),
            (.unauthorized("no key"), "authentication_error"),
            (.forbidden("tier", code: "risk_tier"), "permission_error"),
            (.modelNotFound("x"), "not_found_error"),
            (.payloadTooLarge(limit: 10), "request_too_large"),
            (.rateLimited("slow down", retryAfter: 2), "rate_limit_error"),
            (.budgetExceeded("budget spent"), "billing_error"),  // 429, but Anthropic's type for spent credit
            (.upstreamRejected(status: 422, message: "no", deployment: "d"), "invalid_request_error"),
            (.upstreamFailed(status: 502, message: "bad gateway"), "api_error"),
            (.upstreamFailed(status: 504, message: "timeout"), "timeout_error"),
            (.upstreamFailed(status: 529, message: "busy"), "overloaded_error"),
            (.unavailable("queue full", retryAfter: nil), "overloaded_error"),
            (.internalError("oops"), "api_error"),
        ] as [(GatewayError, String)])
    func errorBodies(error: GatewayError, type: String) {
        #expect(
            AnthropicDialect.errorBody(error, requestID: "req_1")
                == ["type": "error", "error": ["type": .string(type), "message": .string(error.message)], "request_id": "req_1"])
    }

    @Test("an error body without a request id has no request_id field")
    func errorBodyWithoutRequestID() {
        #expect(
            AnthropicDialect.errorBody(.unauthorized("no key")).text
                == #"{"type":"error","error":{"type":"authentication_error","message":"no key"}}"#)
    }
}
