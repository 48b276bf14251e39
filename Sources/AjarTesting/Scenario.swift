/// What a fake vendor does with a request, chosen by the requested model name (OpenAI and
/// Anthropic: the body's `model`; Gemini: the model in the path), so that a gateway config can
/// point a deployment at a scenario.
///
/// | model name | behaviour |
/// | --- | --- |
/// | `error-400`, `error-401`, `error-403`, `error-404`, `error-413`, `error-429`, `error-500`, `error-503`, `error-529` | that status with the vendor's error body (`error-529` is Anthropic's overloaded error; the other vendors answer 503). 429 adds `retry-after: 1`. |
/// | `flaky-N` | the first N requests for this exact name (per server, per vendor) get the vendor's 500, later ones a normal answer |
/// | `slow-MS` | waits MS ms before the response head; a stream sends its head at once and waits MS ms before each event |
/// | `die-before-first-token` | stream: 200 and SSE head, then the connection closes with no event; otherwise the connection closes with no response at all |
/// | `die-mid-stream` | stream: two content events, then the connection closes mid-body (no terminator, no final event) |
/// | `end-mid-stream` | stream: two content events, then the body ends cleanly but without `[DONE]` / `message_stop` / finish event |
/// | `error-mid-stream` | stream: two content events, then the vendor's in-stream error event, then a clean end |
/// | `echo-request` | the answer text is the raw request body |
/// | `bench-model` | OpenAI: a fixed 765-byte `chat.completion`, not recorded (for benchmarks) |
/// | anything else | the normal answer (see `FakeAnswer`) |
enum Scenario: Sendable, Equatable {
    case normal
    case error(status: Int)
    case flaky(failures: Int)
    case slow(milliseconds: Int)
    case dieBeforeFirstToken
    case dieMidStream
    case endMidStream
    case errorMidStream
    case echoRequest
    case bench

    /// Parses a model name; names that match no pattern are `.normal`.
    init(model: String) {
        switch model {
        case "die-before-first-token": self = .dieBeforeFirstToken
        case "die-mid-stream": self = .dieMidStream
        case "end-mid-stream": self = .endMidStream
        case "error-mid-stream": self = .errorMidStream
        case "echo-request": self = .echoRequest
        case "bench-model": self = .bench
        default:
            if let status = Self.number(after: "error-", in: model), (400...599).contains(status) {
                self = .error(status: status)
            } else if let failures = Self.number(after: "flaky-", in: model), failures <= 1_000_000 {
                self = .flaky(failures: failures)
            } else if let milliseconds = Self.number(after: "slow-", in: model), milliseconds <= 600_000 {
                self = .slow(milliseconds: milliseconds)
            } else {
                self = .normal
            }
        }
    }

    /// The decimal number that makes up the rest of `name` after `prefix`, if it does.
    private static func number(after prefix: String, in name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(digits)
    }

    /// Milliseconds to wait (before the head, or before each stream event).
    var delayMilliseconds: Int {
        if case .slow(let milliseconds) = self { return milliseconds }
        return 0
    }

    /// How a stream of this scenario ends.
    var streamCut: StreamCut {
        switch self {
        case .dieBeforeFirstToken: .beforeFirstEvent
        case .dieMidStream: .abortAfterTwoContentEvents
        case .endMidStream: .endAfterTwoContentEvents
        case .errorMidStream: .errorAfterTwoContentEvents
        default: .none
        }
    }
}

/// Where a scripted stream stops short of its natural end.
enum StreamCut: Sendable, Equatable {
    /// The whole stream.
    case none
    /// Head only, then the connection is closed.
    case beforeFirstEvent
    /// Up to the second content event, then the connection is closed without ending the body.
    case abortAfterTwoContentEvents
    /// Up to the second content event, then the body ends cleanly.
    case endAfterTwoContentEvents
    /// Up to the second content event, then the vendor's error event, then a clean end.
    case errorAfterTwoContentEvents
}
