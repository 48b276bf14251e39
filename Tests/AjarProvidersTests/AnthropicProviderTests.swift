import AjarCore
import AjarProviders
import AjarTesting
import Testing

/// The Anthropic provider against AjarTesting's loopback fake of the Messages API.
@Suite struct AnthropicProviderTests {
    static let key = "anthropic-test-key"

    /// Runs `body` with a provider pointed at a fresh fake server, then shuts both down.
    private func withProvider(
        baseURLSuffix: String = "",
        _ body: (AnthropicProvider, FakeVendorServer) async throws -> Void
    ) async throws {
        let server = FakeVendorServer(options: .init(anthropicKey: Self.key))
        let port = try await server.start(port: 0)
        let client = UpstreamClient(timeout: 10)
        let provider = AnthropicProvider(
            name: "anthropic", baseURL: "http://127.0.0.1:\(port)\(baseURLSuffix)", apiKey: Secret(Self.key),
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

    /// Collects a stream that must fail: the chunks before the failure, and the failure.
    private func collectFailing(
        _ stream: AsyncThrowingStream<ChatChunk, any Error>
    ) async -> (chunks: [ChatChunk], error: (any Error)?) {
        var chunks: [ChatChunk] = []
        do {
            for try await chunk in stream { chunks.append(chunk) }
            return (chunks, nil)
        } catch {
            return (chunks, error)
        }
    }

    private func request(_ model: String, _ text: String) -> ChatRequest {
        ChatRequest(model: model, messages: [ChatMessage(role: .user, text: text)])
    }

    private static let weatherTool = ToolDefinition(
        name: "get_weather", description: "Current weather",
        parameters: ["type": "object", "properties": ["location": ["type": "string"]], "required": ["location"]])

    // MARK: - Answers

    @Test("answers with text, a finish reason and usage")
    func complete() async throws {
        try await withProvider { provider, _ in
            let response = try await provider.complete(request("claude-sonnet-4-5", "Hello there, Claude"))
            #expect(response.id.hasPrefix("msg_"))
            #expect(response.model == "claude-sonnet-4-5")
            #expect(response.choices.count == 1)
            #expect(response.choices[0].message.role == .assistant)
            #expect(response.choices[0].message.text == "fake-anthropic claude-sonnet-4-5: Hello there, Claude")
            #expect(response.choices[0].finishReason == .stop())
            let usage = try #require(response.usage)
            #expect(usage.promptTokens == 3)
            #expect(usage.completionTokens == 5)
            #expect(usage.cachedPromptTokens == 0)
        }
    }

    @Test("a stream reassembles the same text, then finishes and reports usage", arguments: ["", "/", "/v1", "/v1/"])
    func stream(baseURLSuffix: String) async throws {
        try await withProvider(baseURLSuffix: baseURLSuffix) { provider, _ in
            let prompt = request("claude-haiku-4-5", "Tell me a short story please")
            let whole = try await provider.complete(prompt)
            let chunks = try await collect(provider.stream(prompt))

            #expect(chunks.count > 3)
            #expect(chunks.first?.choices.first?.delta.role == .assistant)
            let text = chunks.flatMap(\.choices).compactMap(\.delta.content).joined()
            #expect(text == whole.choices[0].message.text)
            #expect(chunks.flatMap(\.choices).compactMap(\.finishReason) == [.stop()])
            let last = try #require(chunks.last)
            #expect(last.choices.isEmpty)
            #expect(last.usage == whole.usage)
            #expect(chunks.allSatisfy { $0.id.hasPrefix("msg_") && $0.model == "claude-haiku-4-5" })
        }
    }

    @Test("max_tokens and stop sequences map to length and stop(sequence:)")
    func limits() async throws {
        try await withProvider { provider, _ in
            var short = request("claude-sonnet-4-5", "one two three four five")
            short.maxTokens = 2
            let cut = try await provider.complete(short)
            #expect(cut.choices[0].finishReason == .length)
            #expect(cut.choices[0].message.text == "fake-anthropic claude-sonnet-4-5:")

            var stopped = request("claude-sonnet-4-5", "alpha beta gamma")
            stopped.stop = ["beta"]
            let answer = try await provider.complete(stopped)
            #expect(answer.choices[0].finishReason == .stop(sequence: "beta"))
            #expect(answer.choices[0].message.text == "fake-anthropic claude-sonnet-4-5: alpha ")
        }
    }

    // MARK: - Tools

    @Test("a tool call comes back with id, name and the arguments as JSON text")
    func toolCall() async throws {
        try await withProvider { provider, _ in
            var prompt = request("claude-sonnet-4-5", "What's the weather in Paris?")
            prompt.tools = [Self.weatherTool]
            let response = try await provider.complete(prompt)
            #expect(response.choices[0].finishReason == .toolCalls)
            let call = try #require(response.choices[0].message.toolCalls.first)
            #expect(call.id.hasPrefix("toolu_"))
            #expect(call.name == "get_weather")
            #expect(try JSONParser.parse(call.arguments) == ["location": "Paris"])
        }
    }

    @Test("streamed tool-call deltas reassemble into the same call")
    func streamedToolCall() async throws {
        try await withProvider { provider, _ in
            var prompt = request("claude-sonnet-4-5", "What's the weather in Paris?")
            prompt.tools = [Self.weatherTool]
            let chunks = try await collect(provider.stream(prompt))
            let deltas = chunks.flatMap(\.choices).flatMap(\.delta.toolCalls)
            #expect(deltas.count > 2)
            #expect(Set(deltas.map(\.index)) == [0])
            let first = try #require(deltas.first)
            #expect(first.id?.hasPrefix("toolu_") == true)
            #expect(first.name == "get_weather")
            #expect(deltas.dropFirst().allSatisfy { $0.id == nil && $0.name == nil })
            let arguments = deltas.compactMap(\.arguments).joined()
            #expect(try JSONParser.parse(arguments) == ["location": "Paris"])
            #expect(chunks.flatMap(\.choices).compactMap(\.finishReason) == [.toolCalls])
        }
    }

    // MARK: - The request on the wire

    @Test("sends system top-level, tool results as user tool_result blocks, and Anthropic's headers")
    func requestOnTheWire() async throws {
        try await withProvider { provider, server in
            var assistant = ChatMessage(role: .assistant, content: [])
            assistant.toolCalls = [ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"location":"Paris"}"#)]
            var result = ChatMessage(role: .tool, text: "18°C and sunny")
            result.toolCallID = "toolu_1"
            var prompt = ChatRequest(model: "echo-request", messages: [
                ChatMessage(role: .system, text: "Be brief."),
                ChatMessage(role: .user, text: "Weather in Paris?"),
                assistant,
                result,
                ChatMessage(role: .user, text: "Thanks!"),
            ])
            prompt.tools = [Self.weatherTool]
            prompt.temperature = 0.5
            prompt.seed = 7
            prompt.user = "user-42"

            let response = try await provider.complete(prompt)
            let sent = try JSONParser.parse(response.choices[0].message.text)
            let expected: JSON = [
                "model": "echo-request",
                "max_tokens": 4096,
                "system": "Be brief.",
                "messages": [
                    ["role": "user", "content": "Weather in Paris?"],
                    ["role": "assistant", "content": [
                        ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["location": "Paris"]],
                    ]],
                    ["role": "user", "content": [
                        ["type": "tool_result", "tool_use_id": "toolu_1", "content": "18°C and sunny"],
                        ["type": "text", "text": "Thanks!"],
                    ]],
                ],
                "temperature": 0.5,
                "tools": [[
                    "name": "get_weather", "description": "Current weather",
                    "input_schema": [
                        "type": "object", "properties": ["location": ["type": "string"]], "required": ["location"],
                    ],
                ]],
                "metadata": ["user_id": "user-42"],
            ]
            #expect(sent == expected)

            let recorded = try #require(await server.recordedRequests().last)
            #expect(recorded.method == "POST")
            #expect(recorded.path == "/v1/messages")
            #expect(recorded.header("x-api-key") == Self.key)
            #expect(recorded.header("anthropic-version") == "2023-06-01")
            #expect(recorded.header("authorization") == nil)
            #expect(recorded.header("content-type") == "application/json")
        }
    }

    @Test("several choices (n > 1) are refused before anything is sent")
    func severalChoices() async throws {
        try await withProvider { provider, server in
            var prompt = request("claude-sonnet-4-5", "Hi")
            prompt.n = 2
            await #expect(throws: ProviderError.unsupported("Anthropic cannot generate several choices (n = 2)")) {
                try await provider.complete(prompt)
            }
            let streamed = await collectFailing(provider.stream(prompt))
            #expect(streamed.error as? ProviderError == .unsupported("Anthropic cannot generate several choices (n = 2)"))
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    // MARK: - Failures

    @Test("429 becomes a retryable http error with the vendor's message and retry-after")
    func rateLimited() async throws {
        try await withProvider { provider, _ in
            do {
                _ = try await provider.complete(request("error-429", "Hi"))
                Issue.record("expected an error")
            } catch let error as ProviderError {
                guard case .http(let status, let message, let retryAfter) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(status == 429)
                #expect(message.hasPrefix("This request would exceed the rate limit"))
                #expect(retryAfter == 1)
                #expect(error.isRetryable)
            }
        }
    }

    @Test("400 becomes a non-retryable http error with the vendor's message")
    func badRequest() async throws {
        try await withProvider { provider, _ in
            let expected = ProviderError.http(
                status: 400, message: "Invalid request: scripted failure of the fake model 'error-400'.", retryAfter: nil)
            await #expect(throws: expected) { try await provider.complete(request("error-400", "Hi")) }
            #expect(!expected.isRetryable)
            let streamed = await collectFailing(provider.stream(request("error-400", "Hi")))
            #expect(streamed.chunks.isEmpty)
            #expect(streamed.error as? ProviderError == expected)
        }
    }

    @Test("a wrong key is the vendor's 401")
    func wrongKey() async throws {
        let server = FakeVendorServer(options: .init(anthropicKey: Self.key))
        let port = try await server.start(port: 0)
        let client = UpstreamClient(timeout: 10)
        let provider = AnthropicProvider(
            name: "anthropic", baseURL: "http://127.0.0.1:\(port)", apiKey: Secret("wrong"), client: client)
        await #expect(throws: ProviderError.http(status: 401, message: "invalid x-api-key", retryAfter: nil)) {
            try await provider.complete(request("claude-sonnet-4-5", "Hi"))
        }
        await client.shutdown()
        await server.stop()
    }

    @Test("a stream whose body ends before message_stop is streamEndedEarly, after its first chunks")
    func streamEndsEarly() async throws {
        try await withProvider { provider, _ in
            let streamed = await collectFailing(provider.stream(request("end-mid-stream", "one two three four five six")))
            #expect(streamed.chunks.contains { $0.hasOutput })
            #expect(
                streamed.error as? ProviderError == .streamEndedEarly("Anthropic stream ended before message_stop"))
        }
    }

    /// A connection dropped mid-body is reported by `UpstreamClient` as a transport error (the HTTP
    /// framing broke) before the decoder's own end-of-stream check runs; either way it is retryable.
    @Test("a connection dropped mid-stream fails with a retryable error")
    func streamDies() async throws {
        try await withProvider { provider, _ in
            let streamed = await collectFailing(provider.stream(request("die-mid-stream", "one two three four five six")))
            let error = try #require(streamed.error as? ProviderError)
            switch error {
            case .streamEndedEarly, .transport: #expect(error.isRetryable)
            default: Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("an error event inside the stream is the http error it stands for (overloaded → 529)")
    func errorEvent() async throws {
        try await withProvider { provider, _ in
            let streamed = await collectFailing(provider.stream(request("error-mid-stream", "one two three four five six")))
            #expect(streamed.chunks.contains { $0.hasOutput })
            #expect(streamed.error as? ProviderError == .http(status: 529, message: "Overloaded", retryAfter: nil))
        }
    }
}
