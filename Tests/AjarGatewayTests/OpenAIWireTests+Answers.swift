import AjarCore
import AjarProviders
import Testing

/// OpenAI answers (`chat.completion`) and stream chunks (`chat.completion.chunk`), both ways.
extension OpenAIWireTests {
    // MARK: - Responses

    static let canonicalResponses: [(String, String)] = [
        (
            "a text answer with usage details",
            #"""
            {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,
             "model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help?",
             "refusal":null},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3},
             "completion_tokens_details":{"reasoning_tokens":4}},"system_fingerprint":"fp_50cad350e4"}
            """#
        ),
        (
            "tool calls",
            #"""
            {"id":"chatcmpl-abc","object":"chat.completion","created":1699896916,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[
               {"id":"call_abc123","type":"function","function":{"name":"get_current_weather","arguments":"{\n\"location\": \"Boston, MA\"\n}"}},
               {"id":"call_def456","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99}}
            """#
        ),
        (
            "two choices, logprobs and a length finish",
            #"""
            {"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"gpt-4o",
             "choices":[
              {"index":0,"message":{"role":"assistant","content":"Hi","refusal":null},
               "logprobs":{"content":[{"token":"Hi","logprob":-0.31725305,"bytes":[72,105],"top_logprobs":[]}],"refusal":null},
               "finish_reason":"length"},
              {"index":1,"message":{"role":"assistant","content":"Hey","refusal":null},"logprobs":null,"finish_reason":"content_filter"}],
             "usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}
            """#
        ),
    ]

    @Test("encodeResponse(decodeResponse(x)) equals x for canonical OpenAI answers", arguments: canonicalResponses)
    func responseRoundTrip(name: String, body: String) throws {
        let original = try JSONParser.parse(body)
        let encoded = OpenAIWire.encodeResponse(try OpenAIWire.decodeResponse(original, now: 0))
        #expect(SemanticJSON.equal(encoded, original), "\(name): \(SemanticJSON.difference(encoded, original) ?? "")")
    }

    @Test("a refusal answer keeps its content null")
    func refusalRoundTrip() throws {
        let original = try JSONParser.parse(
            #"""
            {"id":"chatcmpl-r","object":"chat.completion","created":1721596428,"model":"gpt-4o-2024-08-06",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I'm sorry, I cannot assist with that request."},
             "logprobs":null,"finish_reason":"stop"}]}
            """#)
        let encoded = OpenAIWire.encodeResponse(try OpenAIWire.decodeResponse(original, now: 0))
        #expect(SemanticJSON.equal(encoded, original), "\(SemanticJSON.difference(encoded, original) ?? "")")
    }

    static let canonicalResponseValues: [ChatResponse] = [
        {
            var response = ChatResponse(
                id: "chatcmpl-1", model: "gpt-4o", created: 1_700_000_000,
                choices: [
                    ChatChoice(
                        index: 0,
                        message: ChatMessage(role: .assistant, content: [.text("Hello")], contentIsString: true),
                        finishReason: .stop())
                ],
                usage: Usage(promptTokens: 5, completionTokens: 1, cachedPromptTokens: 2, reasoningTokens: 0))
            response.systemFingerprint = "fp_1"
            return response
        }(),
        {
            var message = ChatMessage(role: .assistant, content: [], contentIsString: true)
            message.toolCalls = [ToolCall(id: "call_1", name: "f", arguments: #"{"a":1}"#)]
            return ChatResponse(
                id: "chatcmpl-2", model: "m", created: 2,
                choices: [ChatChoice(index: 0, message: message, finishReason: .toolCalls, logprobs: ["content": []])])
        }(),
        ChatResponse(
            id: "chatcmpl-3", model: "m", created: 3,
            choices: [
                ChatChoice(
                    index: 0, message: ChatMessage(role: .assistant, content: [.text("a")], contentIsString: true),
                    finishReason: .other("end_turn")),
                ChatChoice(
                    index: 1, message: ChatMessage(role: .assistant, content: [.text("b")], contentIsString: true),
                    finishReason: nil),
            ],
            usage: Usage(promptTokens: 0, completionTokens: 0)),
    ]

    @Test("decodeResponse(encodeResponse(r)) == r for canonical answers", arguments: canonicalResponseValues)
    func responseValueRoundTrip(response: ChatResponse) throws {
        #expect(try OpenAIWire.decodeResponse(OpenAIWire.encodeResponse(response), now: 0) == response)
    }

    @Test("decodes usage details into cached and reasoning tokens")
    func usageDetails() throws {
        let body = try JSONParser.parse(
            #"""
            {"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
              "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
              "completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0,"accepted_prediction_tokens":0}}}
            """#)
        let usage = try #require(try OpenAIWire.decodeResponse(body, now: 0).usage)
        #expect(
            usage == Usage(promptTokens: 2006, completionTokens: 300, cachedPromptTokens: 1920, reasoningTokens: 256))
        #expect(usage.totalTokens == 2306)
        let encoded = OpenAIWire.encodeUsage(usage)
        #expect(encoded["total_tokens"] == 2306)
        #expect(encoded["prompt_tokens_details"]?["cached_tokens"] == 1920)
        #expect(encoded["completion_tokens_details"]?["reasoning_tokens"] == 256)
        let plain = OpenAIWire.encodeUsage(Usage(promptTokens: 1, completionTokens: 2))
        #expect(plain == ["prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3])
    }

    @Test("is lenient where compatible servers differ: no id, created or usage")
    func lenientResponse() throws {
        let body = try JSONParser.parse(#"{"choices":[{"message":{"content":"hi"}}]}"#)
        let response = try OpenAIWire.decodeResponse(body, now: 1234)
        #expect(response.id == "chatcmpl-ajar")
        #expect(response.created == 1234)
        #expect(response.model == "")
        #expect(response.usage == nil)
        #expect(response.choices.first?.index == 0)
        #expect(response.choices.first?.message.text == "hi")
        #expect(response.choices.first?.finishReason == nil)
    }

    static let malformedResponses: [String] = [
        #"[]"#,
        #""text""#,
        #"{"id":"x"}"#,
        #"{"choices":{}}"#,
        #"{"choices":[1]}"#,
        #"{"choices":[{"index":0}]}"#,
        #"{"choices":[{"message":{"tool_calls":[{"id":"c","function":{}}]}}]}"#,
        #"{"choices":[{"message":{"tool_calls":[{"id":"c"}]}}]}"#,
    ]

    @Test("an answer that is not OpenAI's format is malformedResponse", arguments: malformedResponses)
    func malformedResponse(body: String) throws {
        let json = try JSONParser.parse(body)
        let error = #expect(throws: ProviderError.self) { try OpenAIWire.decodeResponse(json, now: 0) }
        guard case .malformedResponse? = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
    }

    // MARK: - Chunks

    static let canonicalChunks: [(String, String)] = [
        (
            "the opening role chunk",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#
        ),
        (
            "a text chunk",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}"#
        ),
        (
            "the first piece of a tool call",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}]}"#
        ),
        (
            "a later piece of a tool call",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"logprobs":null,"finish_reason":null}]}"#
        ),
        (
            "the finish chunk",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#
        ),
        (
            "a refusal chunk with logprobs",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"refusal":"I can't"},"logprobs":{"refusal":[]},"finish_reason":null}]}"#
        ),
        (
            "the usage chunk",
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}"#
        ),
    ]

    @Test("encodeChunk(decodeChunk(x)) equals x for canonical OpenAI chunks", arguments: canonicalChunks)
    func chunkRoundTrip(name: String, body: String) throws {
        let original = try JSONParser.parse(body)
        let chunk = try OpenAIWire.decodeChunk(original, now: 0)
        let encoded = OpenAIWire.encodeChunk(chunk, includeUsageField: false)
        #expect(SemanticJSON.equal(encoded, original), "\(name): \(SemanticJSON.difference(encoded, original) ?? "")")
        #expect(try OpenAIWire.decodeChunk(encoded, now: 0) == chunk, "\(name)")
    }

    @Test("\"logprobs\": null reads as no logprobs, in answers and in chunks")
    func nullLogprobs() throws {
        let chunk = try OpenAIWire.decodeChunk(JSONParser.parse(Self.canonicalChunks[1].1), now: 0)
        #expect(chunk.choices.first?.logprobs == nil)
        let response = try OpenAIWire.decodeResponse(JSONParser.parse(Self.canonicalResponses[0].1), now: 0)
        #expect(response.choices.first?.logprobs == nil)
        let withLogprobs = try OpenAIWire.decodeChunk(JSONParser.parse(Self.canonicalChunks[5].1), now: 0)
        #expect(withLogprobs.choices.first?.logprobs == ["refusal": []])
    }

    @Test("decodes tool-call pieces into deltas by index")
    func toolCallDeltas() throws {
        let first = try OpenAIWire.decodeChunk(JSONParser.parse(Self.canonicalChunks[2].1), now: 0)
        #expect(
            first.choices.first?.delta.toolCalls == [
                ToolCallDelta(index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: "")
            ])
        let later = try OpenAIWire.decodeChunk(JSONParser.parse(Self.canonicalChunks[3].1), now: 0)
        #expect(later.choices.first?.delta.toolCalls == [ToolCallDelta(index: 0, arguments: #"{"location":"#)])
        #expect(first.hasOutput && later.hasOutput)
    }

    @Test("includeUsageField adds usage: null to chunks without usage, and nothing otherwise")
    func includeUsageField() throws {
        let chunk = ChatChunk(
            id: "c", model: "m", created: 1, choices: [ChunkChoice(index: 0, delta: ChunkDelta(content: "x"))])
        let with = OpenAIWire.encodeChunk(chunk, includeUsageField: true)
        #expect(with.objectValue?.keys.contains("usage") == true)
        #expect(with["usage"] == .null)
        let without = OpenAIWire.encodeChunk(chunk, includeUsageField: false)
        #expect(without.objectValue?.keys.contains("usage") == false)
        let usageChunk = ChatChunk(
            id: "c", model: "m", created: 1, choices: [], usage: Usage(promptTokens: 1, completionTokens: 2))
        for flag in [true, false] {
            let encoded = OpenAIWire.encodeChunk(usageChunk, includeUsageField: flag)
            #expect(encoded["usage"]?["total_tokens"] == 3)
            #expect(encoded["choices"] == [])
        }
        // A `"usage": null` read back is no usage.
        #expect(try OpenAIWire.decodeChunk(with, now: 0).usage == nil)
    }

    @Test("is lenient about missing chunk fields")
    func lenientChunk() throws {
        let chunk = try OpenAIWire.decodeChunk(JSONParser.parse(#"{"choices":[{"delta":{"content":"x"}}]}"#), now: 99)
        #expect(chunk.id == "chatcmpl-ajar")
        #expect(chunk.created == 99)
        #expect(chunk.choices == [ChunkChoice(index: 0, delta: ChunkDelta(content: "x"))])
        let empty = try OpenAIWire.decodeChunk(JSONParser.parse(#"{"id":"x"}"#), now: 0)
        #expect(empty.choices.isEmpty)
    }

    static let errorEvents: [(String, Int, String)] = [
        (
            #"{"error":{"message":"The server is overloaded","type":"server_error","code":503}}"#, 503,
            "The server is overloaded"
        ),
        (#"{"error":{"message":"Rate limit","type":"requests","code":"rate_limit_exceeded"}}"#, 500, "Rate limit"),
        (#"{"error":{"message":"odd","code":200}}"#, 500, "odd"),
        (#"{"error":"plain text error"}"#, 500, "plain text error"),
    ]

    @Test("an error event in a stream becomes an HTTP ProviderError", arguments: errorEvents)
    func errorEvent(body: String, status: Int, message: String) throws {
        let json = try JSONParser.parse(body)
        let error = #expect(throws: ProviderError.self) { try OpenAIWire.decodeChunk(json, now: 0) }
        #expect(error == .http(status: status, message: message, retryAfter: nil))
    }

    @Test("a chunk that is not OpenAI's format is malformedResponse", arguments: [#"[]"#, #"{"choices":[1]}"#])
    func malformedChunk(body: String) throws {
        let json = try JSONParser.parse(body)
        let error = #expect(throws: ProviderError.self) { try OpenAIWire.decodeChunk(json, now: 0) }
        guard case .malformedResponse? = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
    }

    @Test("reads vendor error messages from the usual shapes")
    func errorMessages() throws {
        #expect(
            OpenAIWire.errorMessage(try JSONParser.parse(#"{"error":{"message":"Invalid key"}}"#), "") == "Invalid key")
        #expect(OpenAIWire.errorMessage(try JSONParser.parse(#"{"error":"bad"}"#), "") == "bad")
        #expect(OpenAIWire.errorMessage(try JSONParser.parse(#"{"message":"top"}"#), "") == "top")
        #expect(OpenAIWire.errorMessage(nil, String(repeating: "x", count: 600)).count == 500)
    }
}
