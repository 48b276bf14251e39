import Foundation
import Testing

@testable import AjarInference

/// The all-MiniLM-L6-v2 folder (scripts/fetch-models) and the reference fixtures made from it by
/// scripts/make-embedding-fixtures.py (sentence-transformers, torch CPU).
enum BertFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let modelDirectory = root.appendingPathComponent("models/all-MiniLM-L6-v2")
    static let fixturePath = root.appendingPathComponent("Tests/AjarInferenceTests/Fixtures/embeddings.json")

    static var hasModel: Bool {
        FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path)
    }

    /// Model tests run unless the model is missing *and* `AJAR_ALLOW_MISSING_MODELS=1` says that is
    /// fine (then they show as skipped); a missing model otherwise fails them, loudly.
    static var shouldRun: Bool {
        hasModel || ProcessInfo.processInfo.environment["AJAR_ALLOW_MISSING_MODELS"] != "1"
    }

    /// Shown when the tests are skipped.
    static let skipMessage: Comment =
        "models/all-MiniLM-L6-v2 is missing and AJAR_ALLOW_MISSING_MODELS=1: skipped (run scripts/fetch-models)"

    struct Item: Decodable {
        var text: String
        var token_ids: [Int]
        var embedding: [Float]
    }

    struct Fixture: Decodable {
        var max_seq_length: Int
        var dimensions: Int
        var items: [Item]
    }

    static func load() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixturePath))
    }

    /// One embedder for all tests (loading packs 22 M weights; in a debug build that takes seconds).
    static let shared: Result<BertEmbedder, any Error> = Result {
        guard hasModel else {
            throw BertError.missingFile(
                "\(modelDirectory.path) (run scripts/fetch-models, or set AJAR_ALLOW_MISSING_MODELS=1 to skip)")
        }
        return try BertEmbedder(directory: modelDirectory, threadCount: 2)
    }

    static func embedder() throws -> BertEmbedder { try shared.get() }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / max(1e-30, (na * nb).squareRoot())
    }
}

/// The whole embedder against sentence-transformers. An unoptimised engine runs the forward pass a
/// few hundred times slower than release (~0.1 s per token: SIMD code is not specialised at
/// -Onone), so the cosine test first takes the fixtures of at most 14 tokens (11 of them: accents,
/// CJK, Devanagari, white space, an over-long word, special tokens, control characters, the empty
/// text; ~12 s unoptimised), and the other 15 (the truncated 256-token one included) only when the
/// engine turned out fast. `ajar-bench-embeddings --check` asserts all 26 too.
@Suite("BERT embedder vs sentence-transformers", .serialized, .enabled(if: BertFixtures.shouldRun, BertFixtures.skipMessage))
struct BertEmbedderTests {
    static let debugTokenLimit = 14

    @Test("loads all-MiniLM-L6-v2 with the sentence-transformers settings")
    func configuration() throws {
        let embedder = try BertFixtures.embedder()
        #expect(embedder.dimensions == 384)
        #expect(embedder.maxSequenceLength == 256)
        #expect(embedder.config.layerCount == 6)
        #expect(embedder.config.normalizes)
    }

    @Test("every fixture's vector has cosine ≥ 0.9999 with the reference, and unit length")
    func referenceVectors() throws {
        let embedder = try BertFixtures.embedder()
        let fixture = try BertFixtures.load()
        #expect(fixture.items.count >= 20)
        let short = fixture.items.filter { $0.token_ids.count <= Self.debugTokenLimit }
        let long = fixture.items.filter { $0.token_ids.count > Self.debugTokenLimit }
        #expect(short.count >= 10)
        let start = Date()
        try Self.check(short, dimensions: fixture.dimensions, embedder: embedder)
        // The rest when the engine is optimised (a release build, or an engine compiled with -O in
        // debug builds): the short ones then take well under a second.
        if isOptimizedBuild || Date().timeIntervalSince(start) < 3 {
            try Self.check(long, dimensions: fixture.dimensions, embedder: embedder)
        }
    }

    static func check(_ items: [BertFixtures.Item], dimensions: Int, embedder: BertEmbedder) throws {
        let batch = try embedder.embedWithUsage(items.map(\.text))
        #expect(batch.vectors.count == items.count)
        #expect(batch.tokenCounts == items.map(\.token_ids.count))
        for (item, vector) in zip(items, batch.vectors) {
            #expect(vector.count == dimensions)
            let cosine = BertFixtures.cosine(vector, item.embedding)
            #expect(cosine >= 0.9999, "\(item.text.prefix(40).debugDescription): cosine \(cosine)")
            let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    @Test("a batch gives the same vectors as one input at a time, in input order")
    func batchMatchesSingles() throws {
        let embedder = try BertFixtures.embedder()
        let texts = ["Hello, world!", "", "A longer sentence with more tokens than the others.", "東京です。",
                     "Hello, world!"]
        let batch = try embedder.embed(texts)
        #expect(batch.count == texts.count)
        for (index, text) in texts.enumerated() {
            let single = try embedder.embed([text])
            let cosine = BertFixtures.cosine(try #require(single.first), batch[index])
            #expect(cosine > 0.999_999, "\(text.debugDescription): \(cosine)")
        }
        #expect(BertFixtures.cosine(batch[0], batch[4]) > 0.999_999)
        #expect(BertFixtures.cosine(batch[0], batch[2]) < 0.9)
        #expect(try embedder.embed([]).isEmpty)
    }

    @Test("token-id input equals text input; bad ids, empty and too-long inputs throw")
    func tokenInput() throws {
        let embedder = try BertFixtures.embedder()
        let text = "Token ids in, the same vector out."
        let ids = embedder.tokenize(text)
        #expect(ids.first == 101 && ids.last == 102)
        let fromIDs = try embedder.embedWithUsage(tokenIDs: [ids])
        #expect(fromIDs.tokenCounts == [ids.count] && fromIDs.totalTokens == ids.count)
        #expect(BertFixtures.cosine(try #require(fromIDs.vectors.first), try #require(try embedder.embed([text]).first)) > 0.999_999)
        #expect(throws: BertError.tokenOutOfRange(index: 1, id: 30522)) { try embedder.embed(tokenIDs: [ids, [101, 30522, 102]]) }
        #expect(throws: BertError.tokenOutOfRange(index: 0, id: -1)) { try embedder.embed(tokenIDs: [[-1]]) }
        #expect(throws: BertError.emptySequence(index: 0)) { try embedder.embed(tokenIDs: [[]]) }
        #expect(throws: BertError.sequenceTooLong(index: 0, count: 257, limit: 256)) {
            try embedder.embed(tokenIDs: [[Int](repeating: 1000, count: 257)])
        }
    }

    @Test("long texts are truncated to 256 tokens and counted as such")
    func truncation() throws {
        let embedder = try BertFixtures.embedder()
        let long = String(repeating: "word ", count: 400)
        #expect(embedder.tokenize(long).count == 256)
        #expect(embedder.tokenize(long + "extra").count == 256)
    }

    @Test("embedding from several threads at once gives the same vectors")
    func concurrentCalls() async throws {
        let embedder = try BertFixtures.embedder()
        let texts = ["first text", "second, different", "ünïcödé"]
        let expected = try embedder.embed(texts)
        try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<3 { group.addTask { try embedder.embed(texts) } }
            for try await vectors in group {
                for (a, b) in zip(vectors, expected) { #expect(BertFixtures.cosine(a, b) > 0.999_999) }
            }
        }
    }
}

/// Loading a model folder with something missing or wrong gives a `BertError`, not a crash.
@Suite struct BertLoadingTests {
    static func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, contents) in files { try Data(contents.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }

    static let config = """
        {"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":16,"vocab_size":10,
         "max_position_embeddings":16,"type_vocab_size":2,"hidden_act":"gelu","model_type":"bert"}
        """

    @Test("a folder without config.json names the missing file")
    func missingConfig() throws {
        let url = try Self.folder([:])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: BertError.missingFile(url.appendingPathComponent("config.json").path)) {
            try BertEmbedder(directory: url)
        }
    }

    @Test("unsupported activations and pooling modes are refused")
    func unsupported() throws {
        let relu = try Self.folder(["config.json": Self.config.replacingOccurrences(of: "\"gelu\"", with: "\"relu\"")])
        defer { try? FileManager.default.removeItem(at: relu) }
        #expect(throws: BertError.self) { try BertEmbedder(directory: relu) }
        let cls = try Self.folder(["config.json": Self.config])
        defer { try? FileManager.default.removeItem(at: cls) }
        try FileManager.default.createDirectory(at: cls.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        try Data(#"{"pooling_mode_cls_token":true,"pooling_mode_mean_tokens":false}"#.utf8)
            .write(to: cls.appendingPathComponent("1_Pooling/config.json"))
        #expect(throws: BertError.invalidConfiguration(file: "1_Pooling/config.json", detail: "only mean pooling is supported")) {
            try BertConfig(directory: cls)
        }
    }

    @Test("a max_seq_length beyond the position table is refused")
    func sequenceLength() throws {
        let url = try Self.folder(["config.json": Self.config, "sentence_bert_config.json": #"{"max_seq_length":17}"#])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: BertError.self) { try BertConfig(directory: url) }
    }

    @Test("weights that lack a tensor name it", .enabled(if: BertFixtures.shouldRun, BertFixtures.skipMessage))
    func missingTensor() throws {
        let tokenizer = try String(contentsOf: BertFixtures.modelDirectory.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        let url = try Self.folder(["config.json": Self.config, "tokenizer.json": tokenizer])
        defer { try? FileManager.default.removeItem(at: url) }
        // The real tokenizer has 30522 ids, the config 10 embeddings: refused before the weights.
        #expect(throws: BertError.self) { try BertEmbedder(directory: url) }
        let bigger = Self.config.replacingOccurrences(of: "\"vocab_size\":10", with: "\"vocab_size\":30522")
        try Data(bigger.utf8).write(to: url.appendingPathComponent("config.json"))
        let header = #"{"embeddings.LayerNorm.weight":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}"#
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 32)
        try Data(bytes).write(to: url.appendingPathComponent("model.safetensors"))
        #expect(throws: BertError.weights(.missingTensor("embeddings.word_embeddings.weight"))) {
            try BertEmbedder(directory: url)
        }
    }
}
