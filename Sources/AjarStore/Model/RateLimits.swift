/// Per-key limits per minute; `nil` means unlimited.
package struct RateLimits: Sendable, Hashable {
    package var requestsPerMinute: Int?
    package var tokensPerMinute: Int?

    package init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    package var isUnlimited: Bool { requestsPerMinute == nil && tokensPerMinute == nil }
}

/// The answer of ``GatewayStore/admit(keyID:tokens:limits:at:)``.
package enum RateLimitDecision: Sendable, Hashable {
    /// Counted against the current window.
    case allowed
    /// Over a limit; not counted. `retryAfter` is the whole seconds until the window ends (≥ 1).
    case limited(retryAfter: Int, limit: RateLimitKind)
}

/// Which per-minute limit a request hit.
package enum RateLimitKind: String, Sendable, Hashable {
    case requests
    case tokens
}
