import AjarCore
import Foundation
import Testing

@testable import AjarGateway

/// Cards derived from model files (`ajar models add`).
@Suite("Model inspector")
struct ModelInspectorTests {
    static let modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test("a GGUF file's metadata gives licence, organisation and context; the hash pins it",
          .enabled(if: FileManager.default.fileExists(atPath: modelPath)))
    func gguf() throws {
        var reported: [Int64] = []
        let inspection = try ModelInspector.inspect(path: Self.modelPath) { done, _ in reported.append(done) }
        let card = inspection.card
        #expect(inspection.alias == "smollm2-135m-instruct.q4-1")  // file name, lower case, "_" → "-"
        #expect(card.hosting == .local)
        #expect(card.openness.licence == "Apache-2.0")  // general.license = apache-2.0
        #expect(card.openness.weights == .open)
        #expect(card.opennessClass == .openWeights)  // the file proves no code, data or full documentation
        #expect(card.contextWindow == 8192)
        #expect(card.provenance?.source?.contains("HuggingFaceTB") == true)
        #expect(card.provenance?.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        #expect(reported.last.map { $0 > 90_000_000 } == true)

        // The entry it writes loads back into the same card.
        let yaml = ModelInspector.insert(
            ModelInspector.yamlEntry(inspection), into: "providers:\n  local: {type: local}\nmodels:\n")
        let config = try ConfigLoader.parse(yaml, environment: [:])
        let model = try #require(config.models.first)
        #expect(model.card(for: model.deployments[0], hosting: .local) == card)
    }

    @Test("a file that is not GGUF is a clear error, not a crash")
    func notGGUF() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-model-\(UUID().uuidString).gguf")
        try Data("hello".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelInspector.InspectionError.self) { try ModelInspector.inspect(path: url.path) }
        #expect(throws: ModelInspector.InspectionError.self) { try ModelInspector.inspect(path: "/nonexistent/model.gguf") }
    }

    @Test("README front matter: licence, datasets and base model")
    func frontMatter() {
        let readme = """
            ---
            license: apache-2.0
            datasets:
            - s2orc
            - "ms_marco"
            base_model: nreimers/MiniLM-L6-H384-uncased
            ---
            # all-MiniLM-L6-v2
            """
        let front = ModelInspector.frontMatter(readme)
        #expect(front["license"] == ["apache-2.0"])
        #expect(front["datasets"] == ["s2orc", "ms_marco"])
        #expect(front["base_model"] == ["nreimers/MiniLM-L6-H384-uncased"])
        #expect(ModelInspector.frontMatter("# no front matter").isEmpty)
    }

    @Test("insert puts the entry at the top of models:, or adds the section")
    func insert() {
        let entry = "  m:\n    deployments: [{provider: p, model: x}]\n"
        let inserted = ModelInspector.insert(entry, into: "a: 1\nmodels:\n  old:\n    deployments: []\nb: 2\n")
        #expect(inserted == "a: 1\nmodels:\n  m:\n    deployments: [{provider: p, model: x}]\n  old:\n    deployments: []\nb: 2\n")
        #expect(ModelInspector.insert(entry, into: "a: 1") == "a: 1\nmodels:\n" + entry)
    }

    static let embeddingFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/all-MiniLM-L6-v2").path

    @Test("a safetensors folder: licence and datasets from the README, window from config.json",
          .enabled(if: FileManager.default.fileExists(atPath: embeddingFolder)))
    func safetensorsFolder() throws {
        let inspection = try ModelInspector.inspect(path: Self.embeddingFolder, alias: "minilm")
        let card = inspection.card
        #expect(card.openness.licence == "Apache-2.0")
        #expect(card.openness.weights == .open)
        #expect(card.openness.trainingData == .partial)  // datasets are named in the front matter
        #expect(card.capabilities == [.embeddings])  // a BERT architecture
        #expect(card.contextWindow == 512)  // max_position_embeddings
        #expect(card.provenance?.baseModel == nil)  // this README names no base_model
        #expect(card.provenance?.sha256 == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
    }
}
