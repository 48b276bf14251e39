/// What the policy does with a request that carries a class of sensitive data (`policy.data`).
///
/// Ordered by strictness (allow < pseudonymise < keep-local < redact < block), so summaries can
/// name the strictest action a request met.
package enum DataAction: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// Send it as it is. The action for every class the config does not list.
    case allow
    /// Only models hosted `local` or `self-hosted` may receive the request; vendors are dropped.
    case keepLocal = "keep-local"
    /// Replace each value with a stable placeholder (`<EMAIL_1>`) before a vendor sees it, and put the
    /// values back in the answer. In-house models receive the values.
    case pseudonymise
    /// Replace each value with `[REDACTED_<CLASS>]` for every model; nothing is restored.
    case redact
    /// Refuse the request (403) naming the classes found, never the values.
    case block

    private var strictness: Int {
        switch self {
        case .allow: 0
        case .pseudonymise: 1
        case .keepLocal: 2
        case .redact: 3
        case .block: 4
        }
    }

    package static func < (lhs: DataAction, rhs: DataAction) -> Bool { lhs.strictness < rhs.strictness }
}
