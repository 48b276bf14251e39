/// How one call to one deployment failed. The candidate runner reads ``isRetryable`` to decide
/// between trying again (or the next deployment) and giving the client an answer.
package enum ProviderError: Error, Sendable, Equatable {
    /// The upstream answered with an error status. `message` is the vendor's own message, taken
    /// from its error body (never the request, never a key).
    case http(status: Int, message: String, retryAfter: Double?)
    /// No connection, a reset, a TLS failure.
    case transport(String)
    /// No answer within the provider's timeout (whole answer, or between two stream events).
    case timeout
    /// The upstream answered 2xx with something that is not its documented format.
    case malformedResponse(String)
    /// A stream ended or failed before it produced its first token.
    case streamEndedEarly(String)
    /// The provider cannot serve this request at all (e.g. a feature it lacks); not retried.
    case unsupported(String)
    /// The provider is busy (local engine queue full); retried elsewhere.
    case overloaded(retryAfter: Double?)

    /// Whether another attempt (here or at the next deployment) may succeed.
    package var isRetryable: Bool {
        switch self {
        case .http(let status, _, _): status == 408 || status == 409 || status == 429 || status >= 500
        case .transport, .timeout, .streamEndedEarly, .overloaded: true
        case .malformedResponse: true
        case .unsupported: false
        }
    }

    /// The delay the upstream asked for, in seconds.
    package var retryAfter: Double? {
        switch self {
        case .http(_, _, let retryAfter), .overloaded(let retryAfter): retryAfter
        default: nil
        }
    }
}
