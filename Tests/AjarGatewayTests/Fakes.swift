import AjarCore
import Logging
import Synchronization

@testable import AjarGateway

/// A provider that answers from a script: each `complete` takes the next outcome, each `stream`
/// the next list of steps. When a script runs out, it answers "ok".
final class ScriptedProvider: ChatProvider {
    enum Outcome: Sendable {
        case answer(String)
        case fail(any Error)
    }

    enum StreamStep: Sendable {
        case chunk(ChatChunk)
        case fail(any Error)
    }

    private struct State {
        var outcomes: [Outcome]
        var streams: [[StreamStep]]
        var requests: [ChatRequest] = []
    }

    let name: String
    private let state: Mutex<State>

    init(_ name: String, _ outcomes: [Outcome] = [], streams: [[StreamStep]] = []) {
        self.name = name
        self.state = Mutex(State(outcomes: outcomes, streams: streams))
    }

    /// Requests received, in order.
    var requests: [ChatRequest] { state.withLock { $0.requests } }
    var calls: Int { state.withLock { $0.requests.count } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let outcome = state.withLock { state in
            state.requests.append(request)
            return state.outcomes.isEmpty ? Outcome.answer("ok") : state.outcomes.removeFirst()
        }
        switch outcome {
        case .answer(let text): return Self.response(text, model: request.model)
        case .fail(let error): throw error
        }
    }

    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error> {
        let steps = state.withLock { state in
            state.requests.append(request)
            return state.streams.isEmpty
                ? [.chunk(Self.roleChunk), .chunk(Self.textChunk("ok")), .chunk(Self.finishChunk)]
                : state.streams.removeFirst()
        }
        return AsyncThrowingStream { continuation in
            for step in steps {
                switch step {
                case .chunk(let chunk): continuation.yield(chunk)
                case .fail(let error):
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
    }

    static func response(_ text: String, model: String) -> ChatResponse {
        ChatResponse(
            id: "chatcmpl-1", model: model, created: 1,
            choices: [ChatChoice(index: 0, message: ChatMessage(role: .assistant, text: text), finishReason: .stop())])
    }

    static let roleChunk = ChatChunk(
        id: "c", model: "m", created: 1, choices: [ChunkChoice(index: 0, delta: ChunkDelta(role: .assistant))])

    static func textChunk(_ text: String) -> ChatChunk {
        ChatChunk(id: "c", model: "m", created: 1, choices: [ChunkChoice(index: 0, delta: ChunkDelta(content: text))])
    }

    static let finishChunk = ChatChunk(
        id: "c", model: "m", created: 1, choices: [ChunkChoice(index: 0, delta: ChunkDelta(), finishReason: .stop())])
}

/// Records the delays the runner asks for instead of sleeping.
final class SleepRecorder: Sendable {
    private let delays = Mutex<[Double]>([])

    var recorded: [Double] { delays.withLock { $0 } }

    var sleep: @Sendable (Double) async throws -> Void {
        { [self] seconds in self.delays.withLock { $0.append(seconds) } }
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex<Double>(1000)

    var now: Double { seconds.withLock { $0 } }

    func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }

    var clock: @Sendable () -> Double { { [self] in self.seconds.withLock { $0 } } }
}

/// Builders shared by the runner and gateway tests.
enum Fixtures {
    static let request = ChatRequest(model: "fast", messages: [ChatMessage(role: .user, text: "Hi")])

    static var logger: Logger {
        var logger = Logger(label: "ajar-test")
        logger.logLevel = .critical
        return logger
    }

    static func deployment(_ provider: ScriptedProvider, model: String = "m") -> Deployment {
        Deployment(provider: provider, config: DeploymentConfig(provider: provider.name, model: model))
    }

    static func retry(attempts: Int = 2, initial: Double = 0.25, max: Double = 8, maxRetryAfter: Double = 30)
        -> RetryConfig
    {
        var retry = RetryConfig()
        retry.attempts = attempts
        retry.initialBackoff = initial
        retry.maxBackoff = max
        retry.maxRetryAfter = maxRetryAfter
        return retry
    }

    static func breakers(threshold: Int = 5, cooldown: Double = 30, clock: ManualClock = ManualClock())
        -> CircuitBreakers
    {
        var config = CircuitBreakerConfig()
        config.failureThreshold = threshold
        config.cooldown = cooldown
        return CircuitBreakers(config: config, clock: clock.clock)
    }

    static func http(_ status: Int, retryAfter: Double? = nil) -> ScriptedProvider.Outcome {
        .fail(ProviderError.http(status: status, message: "vendor says \(status)", retryAfter: retryAfter))
    }
}
