import AjarCore

/// What one risk tier allows (`policy.tiers.<name>`): the models an application in the tier may
/// use and whether its content is audited.
///
/// Every key is optional; an absent constraint does not constrain.
package struct TierPolicy: Codable, Sendable, Equatable {
    /// Refuse every request from the tier (`refuse: true`). Always true for `unacceptable`.
    package var refuse: Bool
    /// Hosting kinds the tier may use (`hosting: [local, self-hosted]`); `nil` means any.
    package var hosting: [Hosting]?
    /// The least open class the tier may use (`min_openness: open-weights`); `nil` means any.
    package var minOpenness: OpennessClass?
    /// Provider names the tier may use (`providers: [local, ollama]`); `nil` means any.
    package var providers: [String]?
    /// Whether the audit trail keeps the full request and answer, not just the decision.
    package var auditContent: Bool

    package init(
        refuse: Bool = false,
        hosting: [Hosting]? = nil,
        minOpenness: OpennessClass? = nil,
        providers: [String]? = nil,
        auditContent: Bool = false
    ) {
        self.refuse = refuse
        self.hosting = hosting
        self.minOpenness = minOpenness
        self.providers = providers
        self.auditContent = auditContent
    }

    private enum CodingKeys: String, CodingKey {
        case refuse, hosting
        case minOpenness = "min_openness"
        case providers
        case auditContent = "audit_content"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        refuse = try container.decodeIfPresent(Bool.self, forKey: .refuse) ?? false
        hosting = try container.decodeIfPresent([Hosting].self, forKey: .hosting)
        minOpenness = try container.decodeIfPresent(OpennessClass.self, forKey: .minOpenness)
        providers = try container.decodeIfPresent([String].self, forKey: .providers)
        auditContent = try container.decodeIfPresent(Bool.self, forKey: .auditContent) ?? false
    }
}
