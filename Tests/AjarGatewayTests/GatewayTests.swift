import AjarCore
import Testing

@testable import AjarGateway

/// `Gateway` with scripted providers: alias resolution, what the providers receive, and the
/// stream's commit point (fall back before the first token, pass errors on after it).
@Suite struct GatewayTests {
    static let yaml = """
        providers:
          a:
            type: openai
            base_url: http://127.0.0.1:9/v1
          b:
            type: openai
            base_url: http://127.0.0.1:9/v1
          off:
            type: anthropic
            api_key: ${ANTHROPIC_API_KEY}
        models:
          fast:
            deployments:
              - provider: a
                model: model-a
              - provider: b
                model: model-b
          dead:
            deployments:
              - provider: off
                model: claude
        retry:
          attempts: 2
        """

    struct Harness {
        let a: ScriptedProvider
        let b: ScriptedProvider
        let gateway: Gateway
        let sleeper = SleepRecorder()

        init(a: ScriptedProvider, b: ScriptedProvider = ScriptedProvider("b")) throws {
            self.a = a
            self.b = b
            let config = try ConfigLoader.parse(GatewayTests.yaml, environment: [:])
            gateway = Gateway(config: config, extraProviders: ["a": a, "b": b], sleep: sleeper.sleep)
        }
    }

    static func streamRequest() -> ChatRequest {
        var request = Fixtures.request
        request.stream = false  // the gateway must set it
        return request
    }

    /// Reads a committed stream to its end, returning the chunks and the error that ended it.
    static func drain(_ stream: ChatStream) async -> (chunks: [ChatChunk], error: (any Error)?) {
        var chunks: [ChatChunk] = []
        do {
            for try await chunk in stream { chunks.append(chunk) }
            return (chunks, nil)
        } catch {
            return (chunks, error)
        }
    }

    // MARK: - Complete

    @Test("complete sends the deployment's model name, not the alias, with stream off")
    func completeRewritesModel() async throws {
        let harness = try Harness(a: ScriptedProvider("a", [.answer("hello")]))
        var request = Fixtures.request
        request.stream = true
        let success = try await harness.gateway.complete(request, logger: Fixtures.logger)
        #expect(success.value.choices.first?.message.text == "hello")
        #expect(success.deployment.id == "a/model-a")
        #expect(harness.a.requests.map(\.model) == ["model-a"])
        #expect(harness.a.requests.map(\.stream) == [false])
        #expect(harness.a.requests.first?.messages == request.messages)
    }

    @Test("complete falls back to the next deployment, which gets its own model name")
    func completeFallsBack() async throws {
        let harness = try Harness(a: ScriptedProvider("a", [Fixtures.http(500), Fixtures.http(500)]))
        let success = try await harness.gateway.complete(Fixtures.request, logger: Fixtures.logger)
        #expect(success.deployment.id == "b/model-b")
        #expect(harness.b.requests.map(\.model) == ["model-b"])
        #expect(harness.sleeper.recorded.count == 1)
    }

    @Test("an unknown alias is modelNotFound")
    func unknownAlias() async throws {
        let harness = try Harness(a: ScriptedProvider("a"))
        var request = Fixtures.request
        request.model = "gpt-9"
        let error = await #expect(throws: GatewayError.self) {
            try await harness.gateway.complete(request, logger: Fixtures.logger)
        }
        #expect(error == .modelNotFound("gpt-9"))
    }

    @Test("an alias whose providers are all disabled is unavailable, saying why")
    func disabledAlias() async throws {
        let harness = try Harness(a: ScriptedProvider("a"))
        var request = Fixtures.request
        request.model = "dead"
        let error = await #expect(throws: GatewayError.self) {
            try await harness.gateway.complete(request, logger: Fixtures.logger)
        }
        #expect(
            error
                == .unavailable(
                    "No deployment of 'dead' is usable: provider off (ANTHROPIC_API_KEY is not set).", retryAfter: nil))
        #expect(harness.gateway.disabledProviders.map(\.name) == ["off"])
        #expect(harness.gateway.disabledProviders.map(\.reason) == ["ANTHROPIC_API_KEY is not set"])
        #expect(harness.gateway.models.map(\.alias) == ["fast", "dead"])
        #expect(harness.gateway.models.map(\.isAvailable) == [true, false])
    }

    // MARK: - Stream

    @Test("stream sends the deployment's model with stream on, and yields every chunk")
    func streamHappyPath() async throws {
        let harness = try Harness(a: ScriptedProvider("a"))
        let success = try await harness.gateway.stream(Self.streamRequest(), logger: Fixtures.logger)
        #expect(success.deployment.id == "a/model-a")
        #expect(harness.a.requests.map(\.model) == ["model-a"])
        #expect(harness.a.requests.map(\.stream) == [true])
        let (chunks, error) = await Self.drain(success.value)
        #expect(error == nil)
        #expect(chunks == [ScriptedProvider.roleChunk, ScriptedProvider.textChunk("ok"), ScriptedProvider.finishChunk])
    }

    @Test("a stream that yields a role-only chunk and then fails has failed before its first token: it falls back")
    func roleThenErrorFallsBack() async throws {
        let failing: [ScriptedProvider.StreamStep] = [
            .chunk(ScriptedProvider.roleChunk), .fail(ProviderError.transport("connection reset")),
        ]
        let harness = try Harness(a: ScriptedProvider("a", streams: [failing, failing]))
        let success = try await harness.gateway.stream(Self.streamRequest(), logger: Fixtures.logger)
        #expect(success.deployment.id == "b/model-b")
        #expect(harness.a.calls == 2)
        #expect(
            success.attempts == [
                Attempt(deployment: "a/model-a", outcome: .failed("connection failed")),
                Attempt(deployment: "a/model-a", outcome: .failed("connection failed")),
                Attempt(deployment: "b/model-b", outcome: .success),
            ])
        let (chunks, error) = await Self.drain(success.value)
        #expect(error == nil)
        // Nothing of a's failed attempt reaches the consumer.
        #expect(chunks == [ScriptedProvider.roleChunk, ScriptedProvider.textChunk("ok"), ScriptedProvider.finishChunk])
    }

    @Test("a stream that ends without output counts as ended early and falls back")
    func emptyStreamFallsBack() async throws {
        let empty: [ScriptedProvider.StreamStep] = [.chunk(ScriptedProvider.roleChunk)]
        let harness = try Harness(a: ScriptedProvider("a", streams: [empty, empty]))
        let success = try await harness.gateway.stream(Self.streamRequest(), logger: Fixtures.logger)
        #expect(success.deployment.id == "b/model-b")
        #expect(success.attempts.first == Attempt(deployment: "a/model-a", outcome: .failed("stream ended early")))
    }

    @Test(
        "a stream that fails after its first output is committed: the error reaches the consumer after the buffered chunks"
    )
    func outputThenError() async throws {
        let script: [ScriptedProvider.StreamStep] = [
            .chunk(ScriptedProvider.roleChunk), .chunk(ScriptedProvider.textChunk("Hel")),
            .chunk(ScriptedProvider.textChunk("lo")), .fail(ProviderError.transport("connection reset")),
        ]
        let harness = try Harness(a: ScriptedProvider("a", streams: [script]))
        let success = try await harness.gateway.stream(Self.streamRequest(), logger: Fixtures.logger)
        #expect(success.deployment.id == "a/model-a")
        let (chunks, error) = await Self.drain(success.value)
        #expect(
            chunks == [ScriptedProvider.roleChunk, ScriptedProvider.textChunk("Hel"), ScriptedProvider.textChunk("lo")])
        #expect(error as? ProviderError == .transport("connection reset"))
        #expect(harness.b.calls == 0)
    }

    @Test("a stream whose first output is a tool call is committed at that chunk")
    func toolCallCommits() async throws {
        let toolChunk = ChatChunk(
            id: "c", model: "m", created: 1,
            choices: [
                ChunkChoice(index: 0, delta: ChunkDelta(toolCalls: [ToolCallDelta(index: 0, id: "call_1", name: "f")]))
            ])
        let script: [ScriptedProvider.StreamStep] = [.chunk(toolChunk), .fail(ProviderError.timeout)]
        let harness = try Harness(a: ScriptedProvider("a", streams: [script]))
        let success = try await harness.gateway.stream(Self.streamRequest(), logger: Fixtures.logger)
        #expect(success.deployment.id == "a/model-a")
        let (chunks, error) = await Self.drain(success.value)
        #expect(chunks == [toolChunk])
        #expect(error as? ProviderError == .timeout)
    }

    @Test("a client-fault error before the first token is returned at once")
    func streamClientFault() async throws {
        let script: [ScriptedProvider.StreamStep] = [
            .fail(ProviderError.http(status: 400, message: "bad tools", retryAfter: nil))
        ]
        let harness = try Harness(a: ScriptedProvider("a", streams: [script]))
        let error = await #expect(throws: GatewayError.self) {
            try await harness.gateway.stream(Self.streamRequest(), logger: Fixtures.logger)
        }
        #expect(error == .upstreamRejected(status: 400, message: "bad tools", deployment: "a/model-a"))
        #expect(harness.b.calls == 0)
    }
}
