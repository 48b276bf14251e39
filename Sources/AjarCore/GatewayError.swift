/// What went wrong, in terms a client can act on. Lower layers translate their own errors into
/// this; AjarServer maps each case, in one place, to an HTTP status and the dialect's error body.
package enum GatewayError: Error, Sendable, Equatable {
    /// 400: the request is malformed or has an invalid parameter (`param` names it, e.g. `messages[0].role`).
    case invalidRequest(String, param: String? = nil)
    /// 401: no or an unknown API key.
    case unauthorized(String)
    /// 403: the caller may not do this; `code` names the reason.
    case forbidden(String, code: String)
    /// 404: no model alias by this name.
    case modelNotFound(String)
    /// 404: no route.
    case notFound(String)
    /// 413: the body is over the configured limit (bytes).
    case payloadTooLarge(limit: Int)
    /// 429: a rate limit; `retryAfter` in seconds.
    case rateLimited(String, retryAfter: Double?)
    /// 429 `insufficient_quota`: a budget is spent.
    case budgetExceeded(String)
    /// A vendor refused the request itself as invalid (a 4xx that retrying elsewhere won't fix).
    /// Passed on to the client with the vendor's status, in the client's dialect.
    case upstreamRejected(status: Int, message: String, deployment: String)
    /// 502/503/504: every deployment failed; `status` is chosen from the failures.
    case upstreamFailed(status: Int, message: String)
    /// 503: the gateway cannot take the request now (queue full, all breakers open).
    case unavailable(String, retryAfter: Double?)
    /// 500: a bug or an unexpected state; the message is safe to show.
    case internalError(String)

    /// The HTTP status this error is sent with.
    package var status: Int {
        switch self {
        case .invalidRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .modelNotFound, .notFound: 404
        case .payloadTooLarge: 413
        case .rateLimited, .budgetExceeded: 429
        case .upstreamRejected(let status, _, _): status
        case .upstreamFailed(let status, _): status
        case .unavailable: 503
        case .internalError: 500
        }
    }

    /// A message safe to show to the client (never a secret, never a stack trace).
    package var message: String {
        switch self {
        case .invalidRequest(let message, _), .unauthorized(let message), .forbidden(let message, _),
            .rateLimited(let message, _), .budgetExceeded(let message), .upstreamFailed(_, let message),
            .unavailable(let message, _), .internalError(let message), .notFound(let message):
            message
        case .modelNotFound(let model):
            "The model '\(model)' does not exist or you do not have access to it."
        case .payloadTooLarge(let limit):
            "The request body is larger than the limit of \(limit) bytes."
        case .upstreamRejected(_, let message, _):
            message
        }
    }

    /// Seconds after which a retry may succeed, if known.
    package var retryAfter: Double? {
        switch self {
        case .rateLimited(_, let retryAfter), .unavailable(_, let retryAfter): retryAfter
        default: nil
        }
    }
}
