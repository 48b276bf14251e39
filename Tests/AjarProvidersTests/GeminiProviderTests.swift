import AjarCore
import AjarProviders
import AjarTesting
import Testing

/// The Gemini provider against AjarTesting's loopback fake of the Gemini API.
@Suite struct GeminiProviderTests {
    static let key = "gemini-test-key"

    /// Runs `body` with a provider pointed at a fresh fake server, then shuts both down.
    private func withProvider(
        baseURLSuffix: String = "",
        _ body: (GeminiProvider, FakeVendorServer) async throws -> Void
    ) async throws {
        let server = FakeVendorServer(options: .init(geminiKey: Self.key))
        let port = try await server.start(port: 0)
        let client = UpstreamClient(timeout: 10)
        let provider = GeminiProvider(
            name: "gemini", baseURL: "http://127.0.0.1:\(port)\(baseURLSuffix)", apiKey: Secret(Self.key),
            client: client)
        do {
            try await body(provider, server)
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
        await client.shutdown()
        await server.stop()
    }

    private func collect(_ stream: AsyncThrowingStream<ChatChunk, any Error>) async throws -> [ChatChunk] {
        var chunks: [ChatChunk] = []
        for try await chunk in stream { chunks.append(chunk) }
        return chunks
    }

    private func request(_ model: String, _ text: String) -> ChatRequest {
        ChatRequest(model: model, messages: [ChatMessage(role: .user, text: text)])
    }

    private static let weatherTool = ToolDefinition(
        name: "get_weather", description: "Current weather",
        parameters: [
            "type": "object", "properties": ["location": ["type": "string"]], "required": ["location"],
            "additionalProperties": false,
        ],
        strict: true)

    // MARK: - Answers

    @Test("answers a request with text, a finish reason and usage")
    func complete() async throws {
        try await withProvider { provider, _ in
            let response = try await provider.complete(request("gemini-2.5-flash", "Hello there, Gemini"))
            #expect(response.choices.count == 1)
            #expect(response.choices[0].message.role == .assistant)
            #expect(response.choices[0].message.text == "fake-gemini gemini-2.5-flash: Hello there, Gemini")
            #expect(response.choices[0].finishReason == .stop())
            #expect(response.model == "gemini-2.5-flash")
            #expect(!response.id.isEmpty)
            let usage = try #require(response.usage)
            #expect(usage.promptTokens > 0)
            #expect(usage.completionTokens > 0)
        }
    }

    @Test("a stream reassembles the same text, then finishes and reports usage")
    func stream() async throws {
        try await withProvider(baseURLSuffix: "/v1beta/") { provider, _ in
            let whole = try await provider.complete(request("gemini-2.5-flash", "Tell me a short story please"))
            let chunks = try await collect(provider.stream(request("gemini-2.5-flash", "Tell me a short story please")))

            #expect(chunks.count > 3)
            #expect(chunks.first?.choices.first?.delta.role == .assistant)
            let text = chunks.flatMap(\.choices).compactMap(\.delta.content).joined()
            #expect(text == whole.choices[0].message.text)
            let finishes = chunks.flatMap(\.choices).compactMap(\.finishReason)
            #expect(finishes == [.stop()])
            let last = try #require(chunks.last)
            #expect(last.choices.isEmpty)
            #expect(last.usage == whole.usage)
            #expect(Set(chunks.map(\.id)).count == 1)
        }
    }

    @Test("a tool call comes back with its name and arguments, streamed or not")
    func toolCall() async throws {
        try await withProvider { provider, _ in
            var request = request("gemini-2.5-flash", "What's the weather in Paris?")
            request.tools = [Self.weatherTool]

            let response = try await provider.complete(request)
            let call = try #require(response.choices.first?.message.toolCalls.first)
            #expect(call.name == "get_weather")
            #expect(try JSONParser.parse(call.arguments) == ["location": "Paris"])
            #expect(response.choices[0].finishReason == .toolCalls)

            let chunks = try await collect(provider.stream(request))
            let deltas = chunks.flatMap(\.choices).flatMap(\.delta.toolCalls)
            #expect(deltas.count == 1)
            #expect(deltas.first?.name == "get_weather")
            #expect(deltas.first?.id != nil)
            #expect(try JSONParser.parse(deltas.first?.arguments ?? "") == ["location": "Paris"])
            #expect(chunks.flatMap(\.choices).compactMap(\.finishReason) == [.toolCalls])
        }
    }

    // MARK: - What Ajar sends

    @Test("sends the documented request: system instruction, roles, function responses, config, key header")
    func sentRequest() async throws {
        try await withProvider { provider, server in
            var assistant = ChatMessage(role: .assistant, content: [])
            assistant.toolCalls = [ToolCall(id: "call_0", name: "get_weather", arguments: #"{"location":"Paris"}"#)]
            var tool = ChatMessage(role: .tool, text: #"{"temperature":21,"sky":"clear"}"#)
            tool.toolCallID = "call_0"
            var request = ChatRequest(
                model: "echo-request",
                messages: [
                    ChatMessage(role: .system, text: "You are terse."),
                    ChatMessage(role: .user, text: "Weather in Paris?"),
                    assistant, tool,
                    ChatMessage(role: .user, text: "And tomorrow?"),
                ])
            request.tools = [Self.weatherTool]
            request.toolChoice = .auto
            request.temperature = 0.25
            request.topP = 0.5
            request.topK = 20
            request.maxTokens = 64
            request.stop = ["END"]
            request.seed = 42

            let response = try await provider.complete(request)
            // `echo-request` answers with the body it received.
            let sent = try JSONParser.parse(response.choices[0].message.text)
            #expect(sent["systemInstruction"] == ["parts": [["text": "You are terse."]]])
            #expect(
                sent["contents"]
                    == [
                        ["role": "user", "parts": [["text": "Weather in Paris?"]]],
                        [
                            "role": "model",
                            "parts": [["functionCall": ["name": "get_weather", "args": ["location": "Paris"]]]],
                        ],
                        [
                            "role": "user",
                            "parts": [
                                [
                                    "functionResponse": [
                                        "name": "get_weather", "response": ["temperature": 21, "sky": "clear"],
                                    ]
                                ],
                                ["text": "And tomorrow?"],
                            ],
                        ],
                    ])
            #expect(
                sent["tools"]
                    == [
                        [
                            "functionDeclarations": [
                                [
                                    "name": "get_weather", "description": "Current weather",
                                    "parameters": [
                                        "type": "object", "properties": ["location": ["type": "string"]],
                                        "required": ["location"],
                                    ],
                                ]
                            ]
                        ]
                    ])
            #expect(sent["toolConfig"] == ["functionCallingConfig": ["mode": "AUTO"]])
            #expect(
                sent["generationConfig"]
                    == [
                        "temperature": 0.25, "topP": 0.5, "topK": 20, "maxOutputTokens": 64, "stopSequences": ["END"],
                        "seed": 42,
                    ])

            let recorded = try #require(await server.recordedRequests().last)
            #expect(recorded.method == "POST")
            #expect(recorded.path == "/v1beta/models/echo-request:generateContent")
            #expect(recorded.header("x-goog-api-key") == Self.key)
            #expect(recorded.header("authorization") == nil)
            #expect(recorded.header("content-type") == "application/json")
        }
    }

    @Test("streams from the SSE endpoint")
    func streamPath() async throws {
        try await withProvider { provider, server in
            _ = try await collect(provider.stream(request("gemini-2.5-flash", "hi")))
            let recorded = try #require(await server.recordedRequests().last)
            #expect(recorded.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
        }
    }

    // MARK: - Failures

    @Test("a 429 becomes a retryable HTTP error with the vendor's message and retry-after")
    func rateLimited() async throws {
        try await withProvider { provider, _ in
            let error = await #expect(throws: ProviderError.self) {
                try await provider.complete(request("error-429", "hi"))
            }
            guard case .http(let status, let message, let retryAfter) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(status == 429)
            #expect(message.hasPrefix("You exceeded your current quota"))
            #expect(retryAfter == 1)
            #expect(error?.isRetryable == true)

            let streamError = await #expect(throws: ProviderError.self) {
                _ = try await collect(provider.stream(request("error-429", "hi")))
            }
            #expect(streamError?.retryAfter == 1)
        }
    }

    @Test("a 400 is not retryable")
    func badRequest() async throws {
        try await withProvider { provider, _ in
            let error = await #expect(throws: ProviderError.self) {
                try await provider.complete(request("error-400", "hi"))
            }
            guard case .http(400, let message, _) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("Request contains an invalid argument"))
            #expect(error?.isRetryable == false)
        }
    }

    @Test("a stream whose body ends without a finish reason ended early")
    func endedEarly() async throws {
        try await withProvider { provider, _ in
            var received: [ChatChunk] = []
            let error = await #expect(throws: ProviderError.self) {
                for try await chunk in provider.stream(request("end-mid-stream", "one two three four five six")) {
                    received.append(chunk)
                }
            }
            #expect(!received.isEmpty)
            guard case .streamEndedEarly = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
        }
    }

    @Test("a connection cut mid-stream fails retryably after the chunks that arrived")
    func diedMidStream() async throws {
        try await withProvider { provider, _ in
            var received: [ChatChunk] = []
            let error = await #expect(throws: ProviderError.self) {
                for try await chunk in provider.stream(request("die-mid-stream", "one two three four five six")) {
                    received.append(chunk)
                }
            }
            #expect(!received.isEmpty)
            // UpstreamClient reports the severed body as a transport error before the decoder's
            // finish() could call it `streamEndedEarly`; either way it must be retryable.
            switch error {
            case .streamEndedEarly?, .transport?: #expect(error?.isRetryable == true)
            default: Issue.record("unexpected error \(String(describing: error))")
            }
        }
    }

    @Test("an error event in the stream surfaces as the vendor's error")
    func errorMidStream() async throws {
        try await withProvider { provider, _ in
            let error = await #expect(throws: ProviderError.self) {
                _ = try await collect(provider.stream(request("error-mid-stream", "one two three four five six")))
            }
            guard case .http(503, _, _) = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
        }
    }

    @Test("a request that cannot be expressed fails before anything is sent")
    func invalidRequest() async throws {
        try await withProvider { provider, server in
            var assistant = ChatMessage(role: .assistant, content: [])
            assistant.toolCalls = [ToolCall(id: "call_0", name: "f", arguments: "[1,2]")]
            let request = ChatRequest(
                model: "gemini-2.5-flash", messages: [ChatMessage(role: .user, text: "hi"), assistant])
            await #expect(throws: GatewayError.self) { try await provider.complete(request) }
            await #expect(throws: GatewayError.self) { _ = try await collect(provider.stream(request)) }
            #expect(await server.recordedRequests().isEmpty)
        }
    }
}
