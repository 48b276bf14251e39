import AjarCore
import AjarProviders
import Testing

/// Pure tests of the Anthropic mapping: URLs, request bodies, answers, and the stream decoder on
/// hand-written event sequences.
@Suite struct AnthropicMappingTests {
    // MARK: - URLs and errors

    @Test(
        "builds the endpoint from a base URL with or without a trailing slash or /v1",
        arguments: [
            "https://api.anthropic.com", "https://api.anthropic.com/", "https://api.anthropic.com/v1",
            "https://api.anthropic.com/v1/",
        ])
    func endpointURL(baseURL: String) {
        #expect(AnthropicWire.messagesURL(baseURL: baseURL) == "https://api.anthropic.com/v1/messages")
    }

    @Test("reads error.message from an error body, and falls back to the body's text")
    func errorMessage() {
        let body: JSON = ["type": "error", "error": ["type": "invalid_request_error", "message": "max_tokens: Field required"]]
        #expect(AnthropicWire.errorMessage(body, body.text) == "max_tokens: Field required")
        #expect(AnthropicWire.errorMessage(nil, "  <html>Bad gateway</html>\n") == "<html>Bad gateway</html>")
    }

    @Test(
        "maps error types to their documented statuses",
        arguments: [
            ("invalid_request_error", 400), ("authentication_error", 401), ("permission_error", 403),
            ("not_found_error", 404), ("request_too_large", 413), ("rate_limit_error", 429), ("api_error", 500),
            ("overloaded_error", 529), ("something_new", 500),
        ])
    func errorStatus(type: String, status: Int) {
        #expect(AnthropicWire.status(forErrorType: type) == status)
    }

    // MARK: - Requests

    private func body(_ request: ChatRequest, stream: Bool = false) throws -> JSON {
        try AnthropicProvider.makeRequestBody(request, defaultMaxTokens: 1024, stream: stream)
    }

    @Test("hoists system and developer messages, merges same-role turns and maps images")
    func messages() throws {
        var request = ChatRequest(model: "claude", messages: [
            ChatMessage(role: .system, text: "Be brief."),
            ChatMessage(role: .user, text: "Look:"),
            ChatMessage(role: .user, content: [
                .text("What is it?"),
                .image(ImageSource(url: "data:image/png;base64,iVBORw0KGgo=")),
                .image(ImageSource(url: "https://example.com/cat.jpg", detail: "high")),
            ]),
            ChatMessage(role: .developer, text: "Answer in French."),
            ChatMessage(role: .assistant, text: ""),
            ChatMessage(role: .assistant, text: "Un chat."),
        ])
        request.maxTokens = 50
        request.stop = ["\n\n"]
        request.temperature = 1.7
        request.topP = 0.9
        request.topK = 40
        request.frequencyPenalty = 0.5
        request.logprobs = true
        let expected: JSON = [
            "model": "claude",
            "max_tokens": 50,
            "system": [["type": "text", "text": "Be brief."], ["type": "text", "text": "Answer in French."]],
            "messages": [
                ["role": "user", "content": [
                    ["type": "text", "text": "Look:"],
                    ["type": "text", "text": "What is it?"],
                    ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]],
                    ["type": "image", "source": ["type": "url", "url": "https://example.com/cat.jpg"]],
                ]],
                ["role": "assistant", "content": "Un chat."],
            ],
            "stop_sequences": ["\n\n"],
            "temperature": 1.0,
            "top_p": 0.9,
            "top_k": 40,
        ]
        #expect(try body(request) == expected)
    }

    @Test("tool calls become tool_use blocks and consecutive tool results one user turn")
    func tools() throws {
        var assistant = ChatMessage(role: .assistant, text: "Let me check.")
        assistant.toolCalls = [
            ToolCall(id: "call_1", name: "get_weather", arguments: #"{"location":"Paris"}"#),
            ToolCall(id: "call_2", name: "get_time", arguments: ""),
        ]
        var first = ChatMessage(role: .tool, text: "sunny")
        first.toolCallID = "call_1"
        var second = ChatMessage(role: .tool, content: [.text("noon"), .image(ImageSource(url: "https://x/clock.png"))])
        second.toolCallID = "call_2"
        var request = ChatRequest(model: "claude", messages: [
            ChatMessage(role: .user, text: "Weather and time?"), assistant, first, second,
        ])
        request.tools = [ToolDefinition(name: "get_weather"), ToolDefinition(name: "get_time", description: "Now")]
        request.toolChoice = .function("get_weather")
        request.parallelToolCalls = false
        let sent = try body(request, stream: true)
        let expectedMessages: JSON = [
            ["role": "user", "content": "Weather and time?"],
            ["role": "assistant", "content": [
                ["type": "text", "text": "Let me check."],
                ["type": "tool_use", "id": "call_1", "name": "get_weather", "input": ["location": "Paris"]],
                ["type": "tool_use", "id": "call_2", "name": "get_time", "input": [:]],
            ]],
            ["role": "user", "content": [
                ["type": "tool_result", "tool_use_id": "call_1", "content": "sunny"],
                ["type": "tool_result", "tool_use_id": "call_2", "content": [
                    ["type": "text", "text": "noon"],
                    ["type": "image", "source": ["type": "url", "url": "https://x/clock.png"]],
                ]],
            ]],
        ]
        #expect(sent["messages"] == expectedMessages)
        #expect(sent["tools"] == [
            ["name": "get_weather", "input_schema": ["type": "object"]],
            ["name": "get_time", "description": "Now", "input_schema": ["type": "object"]],
        ])
        #expect(sent["tool_choice"] == ["type": "tool", "name": "get_weather", "disable_parallel_tool_use": true])
        #expect(sent["stream"] == true)
        #expect(sent["max_tokens"] == 1024)
    }

    @Test(
        "maps tool_choice",
        arguments: [
            (ToolChoice.auto, "auto"), (.required, "any"), (ToolChoice.none, "none"), (.function("f"), "tool"),
        ] as [(ToolChoice, String)])
    func toolChoice(choice: ToolChoice, type: String) throws {
        var request = ChatRequest(model: "claude", messages: [ChatMessage(role: .user, text: "Hi")])
        request.tools = [ToolDefinition(name: "f")]
        request.toolChoice = choice
        var expected: JSONObject = ["type": .string(type)]
        if case .function(let name) = choice { expected["name"] = .string(name) }
        #expect(try body(request)["tool_choice"] == .object(expected))
    }

    @Test("tool_choice is left out without tools; parallel_tool_calls false alone means auto without parallel calls")
    func toolChoiceEdges() throws {
        var request = ChatRequest(model: "claude", messages: [ChatMessage(role: .user, text: "Hi")])
        request.toolChoice = .required
        #expect(try body(request)["tool_choice"] == nil)
        request.tools = [ToolDefinition(name: "f")]
        request.toolChoice = nil
        request.parallelToolCalls = false
        #expect(try body(request)["tool_choice"] == ["type": "auto", "disable_parallel_tool_use": true])
    }

    @Test("JSON modes become a system instruction, with the schema text for json_schema")
    func jsonMode() throws {
        var request = ChatRequest(model: "claude", messages: [ChatMessage(role: .user, text: "Hi")])
        request.responseFormat = .jsonObject
        let plain = try #require(try body(request)["system"]?.stringValue)
        #expect(plain.contains("JSON object"))

        request.messages.insert(ChatMessage(role: .system, text: "Be brief."), at: 0)
        request.responseFormat = .jsonSchema(
            name: "answer", description: nil, schema: ["type": "object", "properties": ["a": ["type": "string"]]],
            strict: true)
        let system = try #require(try body(request)["system"]?.arrayValue)
        #expect(system.count == 2)
        #expect(system[0] == ["type": "text", "text": "Be brief."])
        let instruction = try #require(system[1]["text"]?.stringValue)
        #expect(instruction.contains("'answer'"))
        #expect(instruction.contains(#"{"type":"object","properties":{"a":{"type":"string"}}}"#))
    }

    @Test("tool-call arguments that are not a JSON object are refused, naming the message")
    func invalidArguments() throws {
        var assistant = ChatMessage(role: .assistant, content: [])
        assistant.toolCalls = [ToolCall(id: "c", name: "f", arguments: "{not json")]
        let request = ChatRequest(model: "claude", messages: [ChatMessage(role: .user, text: "Hi"), assistant])
        #expect(
            throws: GatewayError.invalidRequest(
                "Tool-call arguments must be a JSON object.", param: "messages[1].tool_calls[0].function.arguments")
        ) { try body(request) }
    }

    @Test("audio cannot be sent to Anthropic")
    func audio() {
        let request = ChatRequest(model: "claude", messages: [
            ChatMessage(role: .user, content: [.audio(data: "AAAA", format: "wav")]),
        ])
        #expect(throws: ProviderError.self) { try body(request) }
    }

    @Test("an inline PDF file part becomes a document block")
    func document() throws {
        let request = ChatRequest(model: "claude", messages: [
            ChatMessage(role: .user, content: [.file(["filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="])]),
        ])
        #expect(try body(request)["messages"] == [
            ["role": "user", "content": [
                ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0="]],
            ]],
        ])
    }

    // MARK: - Answers

    @Test("maps a message: text joined, tool_use as tool calls, thinking dropped, usage with cache")
    func response() throws {
        let message: JSON = [
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [
                ["type": "thinking", "thinking": "Hmm.", "signature": "sig"],
                ["type": "text", "text": "Checking "],
                ["type": "text", "text": "now."],
                ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["location": "Paris", "days": 2]],
            ],
            "stop_reason": "tool_use", "stop_sequence": nil,
            "usage": ["input_tokens": 10, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 100, "output_tokens": 7],
        ]
        let response = try AnthropicProvider.makeResponse(message, created: 1_700_000_000)
        #expect(response.id == "msg_01")
        #expect(response.model == "claude-sonnet-4-5")
        #expect(response.created == 1_700_000_000)
        let choice = try #require(response.choices.first)
        #expect(choice.message.text == "Checking now.")
        #expect(choice.message.toolCalls == [
            ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"location":"Paris","days":2}"#),
        ])
        #expect(choice.finishReason == .toolCalls)
        #expect(response.usage == Usage(promptTokens: 115, completionTokens: 7, cachedPromptTokens: 100))
    }

    @Test(
        "maps stop reasons",
        arguments: [
            ("end_turn", FinishReason.stop()), ("stop_sequence", .stop(sequence: "END")), ("max_tokens", .length),
            ("tool_use", .toolCalls), ("refusal", .contentFilter), ("pause_turn", .other("pause_turn")),
        ])
    func stopReasons(stopReason: String, expected: FinishReason) {
        #expect(AnthropicWire.finishReason(stopReason: stopReason, stopSequence: "END") == expected)
    }

    @Test("an answer without a content array is malformed")
    func malformed() {
        #expect(throws: ProviderError.malformedResponse("Anthropic answer has no 'content' array")) {
            try AnthropicProvider.makeResponse(["type": "error"], created: 0)
        }
    }

    // MARK: - Stream decoder

    private func decode(_ events: [(String, JSON)]) throws -> [ChatChunk] {
        var decoder = AnthropicProvider.StreamDecoder(created: 1)
        var chunks: [ChatChunk] = []
        for (name, data) in events {
            chunks += try decoder.decode(SSEParser.Event(name: name, data: data.text))
        }
        chunks += try decoder.finish()
        return chunks
    }

    private static let start: (String, JSON) = (
        "message_start",
        [
            "type": "message_start",
            "message": [
                "id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [],
                "stop_reason": nil, "stop_sequence": nil,
                "usage": ["input_tokens": 25, "cache_read_input_tokens": 3, "output_tokens": 1],
            ],
        ]
    )

    @Test("decodes text, thinking and two tool calls into OpenAI-shaped chunks")
    func decodeStream() throws {
        let chunks = try decode([
            Self.start,
            ("content_block_start", ["type": "content_block_start", "index": 0, "content_block": ["type": "thinking", "thinking": ""]]),
            ("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": ["type": "thinking_delta", "thinking": "Hmm"]]),
            ("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": ["type": "signature_delta", "signature": "x"]]),
            ("content_block_stop", ["type": "content_block_stop", "index": 0]),
            ("content_block_start", ["type": "content_block_start", "index": 1, "content_block": ["type": "text", "text": ""]]),
            ("ping", ["type": "ping"]),
            ("content_block_delta", ["type": "content_block_delta", "index": 1, "delta": ["type": "text_delta", "text": "Hello"]]),
            ("content_block_stop", ["type": "content_block_stop", "index": 1]),
            ("content_block_start", ["type": "content_block_start", "index": 2, "content_block": ["type": "tool_use", "id": "toolu_a", "name": "f", "input": [:]]]),
            ("content_block_delta", ["type": "content_block_delta", "index": 2, "delta": ["type": "input_json_delta", "partial_json": ""]]),
            ("content_block_delta", ["type": "content_block_delta", "index": 2, "delta": ["type": "input_json_delta", "partial_json": "{\"a\":"]]),
            ("content_block_delta", ["type": "content_block_delta", "index": 2, "delta": ["type": "input_json_delta", "partial_json": "1}"]]),
            ("content_block_stop", ["type": "content_block_stop", "index": 2]),
            ("content_block_start", ["type": "content_block_start", "index": 3, "content_block": ["type": "tool_use", "id": "toolu_b", "name": "g", "input": [:]]]),
            ("content_block_delta", ["type": "content_block_delta", "index": 3, "delta": ["type": "input_json_delta", "partial_json": "{}"]]),
            ("content_block_stop", ["type": "content_block_stop", "index": 3]),
            ("message_delta", ["type": "message_delta", "delta": ["stop_reason": "tool_use", "stop_sequence": nil], "usage": ["output_tokens": 42]]),
            ("message_stop", ["type": "message_stop"]),
        ])
        func chunk(_ delta: ChunkDelta, finish: FinishReason? = nil) -> ChatChunk {
            ChatChunk(id: "msg_1", model: "claude", created: 1, choices: [ChunkChoice(index: 0, delta: delta, finishReason: finish)])
        }
        #expect(chunks == [
            chunk(ChunkDelta(role: .assistant, content: "")),
            chunk(ChunkDelta(content: "Hello")),
            chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: 0, id: "toolu_a", name: "f", arguments: "")])),
            chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: 0, arguments: "{\"a\":")])),
            chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: 0, arguments: "1}")])),
            chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: 1, id: "toolu_b", name: "g", arguments: "")])),
            chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: 1, arguments: "{}")])),
            chunk(ChunkDelta(), finish: .toolCalls),
            ChatChunk(
                id: "msg_1", model: "claude", created: 1, choices: [],
                usage: Usage(promptTokens: 28, completionTokens: 42, cachedPromptTokens: 3)),
        ])
    }

    @Test("an error event throws the status its type stands for")
    func errorEventDecoding() throws {
        #expect(throws: ProviderError.http(status: 529, message: "Overloaded", retryAfter: nil)) {
            try decode([
                Self.start,
                ("error", ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]]),
            ])
        }
    }

    @Test("a body that ends before message_stop is streamEndedEarly; a non-JSON event is malformed")
    func endedEarly() throws {
        #expect(throws: ProviderError.streamEndedEarly("Anthropic stream ended before message_stop")) {
            try decode([Self.start])
        }
        #expect(throws: ProviderError.streamEndedEarly("Anthropic stream ended before message_start")) {
            try decode([])
        }
        var decoder = AnthropicProvider.StreamDecoder(created: 1)
        #expect(throws: ProviderError.self) { try decoder.decode(SSEParser.Event(name: "message_start", data: "{oops")) }
    }
}
