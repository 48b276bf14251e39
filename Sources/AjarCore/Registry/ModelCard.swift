/// What the gateway knows about one model alias: who serves it, where it runs, how open it is,
/// what it costs and can do, and where its weights come from.
///
/// Cards are the policy engine's view of the candidates for a request. The YAML/JSON form uses
/// snake_case keys; `openness_class` is written on encoding (derived, never read back).
package struct ModelCard: Codable, Sendable, Equatable, Hashable {
    /// The name clients use (`model` in a request).
    package var alias: String
    /// The configured provider's name (a key under `providers:` in `ajar.yaml`).
    package var provider: String
    package var hosting: Hosting
    package var openness: OpennessRecord
    /// Maximum prompt plus completion tokens, when known.
    package var contextWindow: Int?
    /// Prices, when known; local models are free.
    package var pricing: Pricing?
    package var capabilities: Set<Capability>
    package var provenance: Provenance?

    package init(
        alias: String,
        provider: String,
        hosting: Hosting,
        openness: OpennessRecord = OpennessRecord(),
        contextWindow: Int? = nil,
        pricing: Pricing? = nil,
        capabilities: Set<Capability> = [],
        provenance: Provenance? = nil
    ) {
        self.alias = alias
        self.provider = provider
        self.hosting = hosting
        self.openness = openness
        self.contextWindow = contextWindow
        self.pricing = pricing
        self.capabilities = capabilities
        self.provenance = provenance
    }

    /// The openness class derived from ``openness`` (see ``OpennessRecord/opennessClass``).
    package var opennessClass: OpennessClass { openness.opennessClass }

    private enum CodingKeys: String, CodingKey {
        case alias, provider, hosting, openness
        case opennessClass = "openness_class"
        case contextWindow = "context_window"
        case pricing = "price"
        case capabilities, provenance
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alias = try container.decode(String.self, forKey: .alias)
        provider = try container.decode(String.self, forKey: .provider)
        hosting = try container.decode(Hosting.self, forKey: .hosting)
        openness = try container.decodeIfPresent(OpennessRecord.self, forKey: .openness) ?? OpennessRecord()
        contextWindow = try container.decodeIfPresent(Int.self, forKey: .contextWindow)
        pricing = try container.decodeIfPresent(Pricing.self, forKey: .pricing)
        capabilities = try container.decodeIfPresent(Set<Capability>.self, forKey: .capabilities) ?? []
        provenance = try container.decodeIfPresent(Provenance.self, forKey: .provenance)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alias, forKey: .alias)
        try container.encode(provider, forKey: .provider)
        try container.encode(hosting, forKey: .hosting)
        try container.encode(openness, forKey: .openness)
        try container.encode(opennessClass, forKey: .opennessClass)
        try container.encodeIfPresent(contextWindow, forKey: .contextWindow)
        try container.encodeIfPresent(pricing, forKey: .pricing)
        // Sorted, so the encoded card is the same every time.
        try container.encode(capabilities.sorted { $0.rawValue < $1.rawValue }, forKey: .capabilities)
        try container.encodeIfPresent(provenance, forKey: .provenance)
    }
}
