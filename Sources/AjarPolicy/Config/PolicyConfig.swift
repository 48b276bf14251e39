/// The `policy:` section of `ajar.yaml`, as decoded. ``PolicyEngine/init(config:)`` validates it.
///
/// ```yaml
/// policy:
///   default_tier: limited
///   data:                     # data class -> action; unlisted classes are allowed
///     email: pseudonymise
///     payment_card: keep-local
///     secret: block
///   tiers:
///     high:
///       hosting: [local, self-hosted]
///       min_openness: open-weights
///       audit_content: true
///     unacceptable:
///       refuse: true
///   detectors: []             # custom detectors, see CustomDetectorConfig
/// ```
package struct PolicyConfig: Codable, Sendable, Equatable {
    /// The tier of principals whose key names none. Default `limited`.
    package var defaultTier: String
    /// Data class name → action. A class not listed is `allow`ed.
    package var data: [String: DataAction]
    /// Tier name → constraints. A configured tier replaces the built-in one of the same name
    /// (except that `unacceptable` always refuses); the four ``RiskTier`` names exist regardless.
    package var tiers: [String: TierPolicy]
    /// Custom detectors, run after the built-in ones.
    package var detectors: [CustomDetectorConfig]
    /// Whether requests are scanned for data classes at all (default `true`). With `scan: false`
    /// nothing is ever found, so no data action applies; tiers still do. For setups where every
    /// model is in house, and to measure what scanning costs.
    package var scan: Bool

    package init(
        defaultTier: String = RiskTier.limited.rawValue,
        data: [String: DataAction] = [:],
        tiers: [String: TierPolicy] = [:],
        detectors: [CustomDetectorConfig] = [],
        scan: Bool = true
    ) {
        self.defaultTier = defaultTier
        self.data = data
        self.tiers = tiers
        self.detectors = detectors
        self.scan = scan
    }

    private enum CodingKeys: String, CodingKey {
        case defaultTier = "default_tier"
        case data, tiers, detectors, scan
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultTier = try container.decodeIfPresent(String.self, forKey: .defaultTier) ?? RiskTier.limited.rawValue
        data = try container.decodeIfPresent([String: DataAction].self, forKey: .data) ?? [:]
        tiers = try container.decodeIfPresent([String: TierPolicy].self, forKey: .tiers) ?? [:]
        detectors = try container.decodeIfPresent([CustomDetectorConfig].self, forKey: .detectors) ?? []
        scan = try container.decodeIfPresent(Bool.self, forKey: .scan) ?? true
    }
}
