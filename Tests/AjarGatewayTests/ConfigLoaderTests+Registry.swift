import AjarCore
import AjarPolicy
import Testing

@testable import AjarGateway

/// The registry's and the policy's keys in `ajar.yaml`.
@Suite("Config: registry cards and policy")
struct ConfigRegistryTests {
    @Test("the repository's ajar.yaml: the open model is open-science and local, vendor models closed, the issue's policy")
    func repositoryCards() throws {
        let config = try ConfigLoader.load(path: ConfigLoaderTests.repoConfigPath, environment: ConfigLoaderTests.allKeys)
        let gateway = Gateway(config: config)
        defer { Task { await gateway.shutdown() } }
        let smol = try #require(gateway.cards(for: "smollm2-135m-instruct")?.first)
        #expect(smol.hosting == .local)
        #expect(smol.opennessClass == .openScience)
        #expect(smol.openness.licence == "Apache-2.0")
        #expect(smol.provenance?.sha256?.count == 64)
        let gpt = try #require(gateway.cards(for: "gpt-4o-mini")?.first)
        #expect(gpt.hosting == .vendor)
        #expect(gpt.opennessClass == .closed)
        #expect(gpt.pricing == Pricing(input: 0.15, output: 0.6, cachedInput: 0.075))
        #expect(config.policy.defaultTier == "limited")
        #expect(config.policy.data["email"] == .pseudonymise)
        #expect(config.policy.data["payment_card"] == .keepLocal)
        #expect(config.policy.data["secret"] == .block)
        #expect(config.policy.tiers["high"]?.minOpenness == .openWeights)
        #expect(config.policy.tiers["unacceptable"]?.refuse == true)
    }

    @Test("hosting: vendor by default for vendor types, self-hosted when configured, local only for local")
    func hosting() throws {
        let yaml = """
            providers:
              a: {type: openai, base_url: "http://10.0.0.5:8000/v1"}
              b: {type: openai, base_url: "http://10.0.0.5:8000/v1", hosting: self-hosted}
              c: {type: local}
            """
        let config = try ConfigLoader.parse(yaml, environment: [:])
        #expect(config.providers.map(\.hosting) == [.vendor, .selfHosted, .local])
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("providers:\n  a: {type: openai, hosting: local}\n", environment: [:])
        }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse("providers:\n  a: {type: openai, hosting: on-prem}\n", environment: [:])
        }
    }

    @Test("a bad policy or card value names its key path")
    func errors() {
        func message(_ yaml: String) -> String {
            do {
                _ = try ConfigLoader.parse(yaml, environment: [:])
                return "no error"
            } catch {
                return error.description
            }
        }
        let action = message("policy:\n  data:\n    email: shred\n")
        #expect(action.contains("policy"), "\(action)")
        #expect(action.contains("email"), "\(action)")
        let tier = message("policy:\n  default_tier: nope\n")
        #expect(tier.contains("default_tier") || tier.contains("nope"), "\(tier)")
        let price = message("""
            providers:
              a: {type: openai}
            models:
              m:
                price: {input: cheap, output: 1}
                deployments: [{provider: a, model: x}]
            """)
        #expect(price.contains("models.m.price.input"), "\(price)")
    }
}

@Suite("Price catalogue")
struct PriceCatalogueTests {
    @Test("the bundled catalogue parses, says where its prices come from, and matches by longest prefix")
    func bundled() throws {
        let catalogue = PriceCatalogue.bundled
        #expect(catalogue.models.count >= 15)
        #expect(catalogue.source.contains("openai.com"))
        #expect(catalogue.date.count == 10)
        #expect(catalogue.entry(for: "gpt-4o-mini-2024-07-18")?.price.input == 0.15)
        #expect(catalogue.entry(for: "gpt-4o-2024-08-06")?.price.input == 2.50)  // not gpt-4o-mini's
        #expect(catalogue.entry(for: "claude-3-5-haiku-latest")?.price.output == 4.00)
        #expect(catalogue.entry(for: "my-own-model") == nil)
    }

    @Test("vendor cards take the catalogue's price when the config gives none; the config wins; self-hosted gets none")
    func fallback() throws {
        let config = try ConfigLoader.parse(
            """
            providers:
              v: {type: openai, base_url: "http://127.0.0.1:9/v1"}
              s: {type: openai, base_url: "http://127.0.0.1:9/v1", hosting: self-hosted}
            models:
              a:
                deployments: [{provider: v, model: claude-3-5-haiku-latest}, {provider: s, model: gpt-4o}]
              b:
                price: {input: 1, output: 2}
                deployments: [{provider: v, model: gpt-4o}]
            """, environment: [:])
        let gateway = Gateway(config: config)
        defer { Task { await gateway.shutdown() } }
        let a = try #require(gateway.cards(for: "a"))
        #expect(a[0].pricing?.input == 0.80)
        #expect(a[0].contextWindow == 200_000)
        #expect(a[1].pricing == nil)  // self-hosted: the vendor's list price does not apply
        #expect(gateway.cards(for: "b")?.first?.pricing == Pricing(input: 1, output: 2))
    }
}
