import AjarCore

/// The four risk levels of the EU AI Act, which name Ajar's built-in tiers. Configs may add tiers
/// of their own names; these four always exist.
package enum RiskTier: String, Codable, Sendable, Hashable, CaseIterable {
    /// Prohibited uses: every request is refused, whatever the config says.
    case unacceptable
    /// High-risk uses: by default only in-house, open-weight models, with full content audit.
    case high
    /// Limited-risk uses (transparency obligations): no model constraints by default.
    case limited
    /// Minimal-risk uses: no constraints.
    case minimal

    /// The tier's policy when `policy.tiers` does not configure it.
    package var defaultPolicy: TierPolicy {
        switch self {
        case .unacceptable: TierPolicy(refuse: true)
        case .high: TierPolicy(hosting: [.local, .selfHosted], minOpenness: .openWeights, auditContent: true)
        case .limited, .minimal: TierPolicy()
        }
    }
}
