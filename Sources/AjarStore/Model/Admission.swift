import Foundation

/// One request's admission, for ``GatewayStore/admit(_:)``: its per-minute rate limits, then its
/// budget reservation.
package struct Admission: Sendable {
    package var keyID: String
    /// The key's team as the caller knows it (`nil`: no team budget applies).
    package var team: String?
    /// The worst-case cost to reserve, micro-USD.
    package var estimateMicros: Int64
    /// The estimated prompt tokens, counted against tokens per minute.
    package var tokens: Int
    /// The key's limits; unlimited skips the rate check.
    package var limits: RateLimits
    package var at: Date

    package init(keyID: String, team: String?, estimateMicros: Int64, tokens: Int, limits: RateLimits, at: Date) {
        self.keyID = keyID
        self.team = team
        self.estimateMicros = estimateMicros
        self.tokens = tokens
        self.limits = limits
        self.at = at
    }
}

/// What ``GatewayStore/admit(_:)`` decided for one ``Admission``.
package enum AdmissionOutcome: Sendable, Hashable {
    /// Counted in the rate window, and reserved (or refused by a budget) as ``ReserveOutcome`` says.
    case counted(ReserveOutcome)
    /// Over a rate limit: not counted, nothing reserved.
    case limited(retryAfter: Int, limit: RateLimitKind)
}
