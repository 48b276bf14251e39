import AjarCore
import Foundation
import Testing

@Suite struct RegistryTests {
    @Test("openness classes are ordered closed < open-weights < open-model < open-tooling < open-science")
    func ordering() {
        #expect(OpennessClass.allCases.sorted() == [.closed, .openWeights, .openModel, .openTooling, .openScience])
        #expect(OpennessClass.openWeights < .openModel)
        #expect(!(OpennessClass.openScience < .openTooling))
        #expect(
            OpennessClass.allCases.map(\.rawValue) == [
                "closed", "open-weights", "open-model", "open-tooling", "open-science",
            ])
    }

    @Test(
        "a record derives its class: each MOF class needs everything below it",
        arguments: [
            (OpennessRecord(), OpennessClass.closed),
            (
                OpennessRecord(
                    weights: .closed, code: .open, trainingData: .open, documentation: .open, licence: "MIT"), .closed
            ),
            (
                OpennessRecord(
                    weights: .restricted, code: .open, trainingData: .open, documentation: .open, licence: "llama3.1"),
                .openWeights
            ),
            (OpennessRecord(weights: .open, documentation: .open, licence: "proprietary"), .openWeights),
            (OpennessRecord(weights: .open, documentation: .partial, licence: "Apache-2.0"), .openWeights),
            (OpennessRecord(weights: .open, documentation: .open, licence: "apache-2.0"), .openModel),
            (
                OpennessRecord(
                    weights: .open, code: .partial, trainingData: .open, documentation: .open, licence: "MIT"),
                .openModel
            ),
            (
                OpennessRecord(
                    weights: .open, code: .open, trainingData: .partial, documentation: .open, licence: "MIT"),
                .openTooling
            ),
            (
                OpennessRecord(
                    weights: .open, code: .open, trainingData: .open, documentation: .open, licence: "Apache-2.0"),
                .openScience
            ),
        ])
    func derivation(_ record: OpennessRecord, _ expected: OpennessClass) {
        #expect(record.opennessClass == expected)
    }

    @Test("a card decodes from snake_case config, fails closed on missing openness, and encodes its class")
    func cardCodable() throws {
        let json = """
            {"alias": "olmo", "provider": "ollama", "hosting": "self-hosted", "context_window": 4096,
             "openness": {"weights": "open", "code": "open", "training_data": "open", "documentation": "open", "license": "Apache-2.0"},
             "price": {"input": 0.5, "output": 1.5, "cached_input": 0.25},
             "capabilities": ["tools", "json_schema"],
             "provenance": {"source": "hf:allenai/OLMo-2", "base_model": "OLMo-2-base", "revision": "abc", "sha256": "00ff"}}
            """
        let card = try JSONDecoder().decode(ModelCard.self, from: Data(json.utf8))
        #expect(card.hosting == .selfHosted)
        #expect(card.opennessClass == .openScience)
        #expect(card.openness.licence == "Apache-2.0")
        #expect(card.capabilities == [.tools, .jsonSchema])
        #expect(card.provenance?.baseModel == "OLMo-2-base")
        let encoded = try JSONEncoder().encode(card)
        let object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(object["openness_class"] as? String == "open-science")
        #expect(try JSONDecoder().decode(ModelCard.self, from: encoded) == card)

        let bare = try JSONDecoder().decode(
            ModelCard.self, from: Data(#"{"alias": "gpt", "provider": "openai", "hosting": "vendor"}"#.utf8))
        #expect(bare.opennessClass == .closed)
        #expect(bare.openness.licence == "proprietary")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(
                ModelCard.self, from: Data(#"{"alias": "x", "provider": "p", "hosting": "cloud"}"#.utf8))
        }
    }

    @Test("hosting raw values and which hostings keep data in house")
    func hosting() {
        #expect(Hosting.allCases.map(\.rawValue) == ["local", "self-hosted", "vendor"])
        #expect(Hosting.allCases.filter(\.keepsDataInHouse) == [.local, .selfHosted])
    }

    @Test("cost: cached prompt tokens at the cached price, negative counts ignored")
    func cost() {
        let pricing = Pricing(input: 2.5, output: 10, cachedInput: 1.25)
        let usage = Usage(promptTokens: 1_000_000, completionTokens: 100_000, cachedPromptTokens: 400_000)
        #expect(abs(pricing.cost(of: usage) - (0.6 * 2.5 + 0.4 * 1.25 + 0.1 * 10)) < 1e-9)
        #expect(
            Pricing(input: 1, output: 1).cost(
                of: Usage(promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 5)) == 1)
        #expect(pricing.cost(of: Usage(promptTokens: -5, completionTokens: -5)) == 0)
    }

    @Test("a principal without allowed_models may use any model; with one, only those")
    func principal() throws {
        #expect(Principal(app: "a", team: "t").mayUse(model: "x"))
        let limited = Principal(keyID: "k", app: "a", team: "t", tier: "high", allowedModels: ["m"])
        #expect(limited.mayUse(model: "m") && !limited.mayUse(model: "x"))
        let decoded = try JSONDecoder().decode(
            Principal.self,
            from: Data(#"{"key_id": "k", "app": "a", "team": "t", "tier": "high", "allowed_models": ["m"]}"#.utf8))
        #expect(decoded == limited)
    }
}
