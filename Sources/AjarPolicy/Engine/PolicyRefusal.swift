import AjarCore

/// The policy refused a request. Carries the classes found and an explanation, never a value.
///
/// The gateway answers 403 with ``code`` (see ``gatewayError``) and sends ``trace`` in the
/// `x-ajar-policy` header like any other response.
package struct PolicyRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the request was refused.
    package enum Reason: String, Sendable, Equatable, Codable {
        /// The principal's tier refuses everything (`unacceptable`, or `refuse: true`).
        case tierRefused = "policy_tier_refused"
        /// The principal's tier is neither built in nor configured (fail closed).
        case unknownTier = "policy_unknown_tier"
        /// The request carries a class whose action is `block`.
        case dataBlocked = "policy_data_blocked"
        /// Every candidate was excluded.
        case noAllowedModel = "policy_no_allowed_model"
    }

    package var reason: Reason
    /// The classes found in the request (for `dataBlocked`: the blocked ones), sorted.
    package var dataClasses: [DataClass]
    /// A sentence for the client: what was refused and why, naming classes and tiers only.
    package var explanation: String
    package var trace: DecisionTrace

    package init(reason: Reason, dataClasses: [DataClass], explanation: String, trace: DecisionTrace) {
        self.reason = reason
        self.dataClasses = dataClasses
        self.explanation = explanation
        self.trace = trace
    }

    /// The error code clients see (`policy_data_blocked`, …).
    package var code: String { reason.rawValue }

    /// The refusal as the client-visible error: 403 with ``code``.
    package var gatewayError: GatewayError { .forbidden(explanation, code: code) }

    package var description: String { "\(code): \(explanation)" }
}
