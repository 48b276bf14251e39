import Foundation
import Testing

@testable import AjarInference

/// Where the default model is (`scripts/fetch-models` puts it there); tests that need it are
/// enabled only when it exists.
enum DefaultModelFixture {
    static let path: String = {
        if let override = ProcessInfo.processInfo.environment["AJAR_TEST_MODEL"] { return override }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }()
    static var isAvailable: Bool { FileManager.default.fileExists(atPath: path) }
    /// Parsed once for all tests.
    static let file: GGUFFile? = try? GGUFFile(path: path)
}

/// The quantisation fixtures written by scripts/make-quant-fixtures.py.
enum QuantFixtures {
    static func url(_ name: String) throws -> URL {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return base.appendingPathComponent("quant").appendingPathComponent(name)
    }
    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: url(name))
        return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    }
}

@Suite(.enabled(if: DefaultModelFixture.isAvailable, "needs models/SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch-models)"))
struct GGUFFileTests {
    func model() throws -> GGUFFile { try #require(DefaultModelFixture.file) }

    @Test("the default model parses: version 3, 272 tensors of the expected types")
    func header() throws {
        let file = try model()
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.tensors.count == 272)
        var counts: [GGMLType: Int] = [:]
        for t in file.tensors { counts[t.type, default: 0] += 1 }
        #expect(counts == [.q4_1: 210, .f32: 61, .q8_0: 1])
        #expect(file.tensors.allSatisfy { $0.offset % 32 == 0 })
    }

    @Test("the default model's hyperparameters read as expected")
    func metadata() throws {
        let file = try model()
        #expect(try file.requireString("general.architecture") == "llama")
        #expect(try file.requireInt("llama.block_count") == 30)
        #expect(try file.requireInt("llama.embedding_length") == 576)
        #expect(try file.requireInt("llama.feed_forward_length") == 1536)
        #expect(try file.requireInt("llama.attention.head_count") == 9)
        #expect(try file.requireInt("llama.attention.head_count_kv") == 3)
        #expect(try file.requireFloat("llama.rope.freq_base") == 100_000)
        #expect(try file.requireFloat("llama.attention.layer_norm_rms_epsilon") == 1e-5)
        let tokens = try #require(file["tokenizer.ggml.tokens"]?.stringArray)
        #expect(tokens.count == 49152)
        #expect(file.metadataKeys.count == file.metadata.count)
    }

    @Test("tensor shapes are ne0-first: the embedding is [576, 49152] Q8_0, q is [576, 576] Q4_1")
    func shapes() throws {
        let file = try model()
        let embedding = try file.requireTensor("token_embd.weight", shape: [576, 49152], types: [.q8_0])
        #expect(embedding.rowBytes == 18 * 34 && embedding.rowCount == 49152)
        _ = try file.requireTensor("blk.0.attn_q.weight", shape: [576, 576], types: [.q4_1])
        _ = try file.requireTensor("blk.29.attn_k.weight", shape: [576, 192], types: [.q4_1])
        _ = try file.requireTensor("blk.3.ffn_down.weight", shape: [1536, 576], types: [.q4_1])
        _ = try file.requireTensor("blk.3.ffn_gate.weight", shape: [576, 1536], types: [.q4_1])
        _ = try file.requireTensor("output_norm.weight", shape: [576], types: [.f32])
        #expect(file.tensor("output.weight") == nil)  // tied to token_embd
    }

    @Test("tensor bytes are the ones gguf-py reads", arguments: [("blk.0.attn_q.weight", 7, "blk0_attn_q_row7"),
                                                               ("token_embd.weight", 1000, "token_embd_row1000")])
    func bytesMatchReference(tensor: String, row: Int, label: String) throws {
        let view = try #require(try model().tensor(tensor))
        let expected = try QuantFixtures.bytes("model.\(label).blocks")
        let start = try #require(view.row(row))
        #expect(Array(UnsafeRawBufferPointer(start: start, count: view.rowBytes)) == expected)
    }

    @Test("truncating the real header anywhere gives an error, never a crash",
          arguments: [0, 3, 4, 7, 8, 15, 16, 23, 24, 40, 100, 1_000, 10_000, 100_000, 700_000, 1_500_000])
    func truncatedHeader(length: Int) throws {
        let file = try model()
        let cut = min(length, file.dataOffset - 1)
        let prefix = Array(file.mapping.bytes[..<cut])
        let mapping = try MappedFile(copying: prefix)
        do {
            _ = try GGUFFile(mapping: mapping)
            Issue.record("length \(cut): expected an error")
        } catch {
            switch error {
            case .truncated, .countTooLarge: break
            default: Issue.record("length \(cut): unexpected \(error)")
            }
        }
    }

    @Test("truncating inside the data section names the first tensor that no longer fits")
    func truncatedData() throws {
        let file = try model()
        let firstTensor = try #require(file.tensors.min { $0.offset < $1.offset })
        let prefix = Array(file.mapping.bytes[..<(file.dataOffset + firstTensor.byteCount - 1)])
        let mapping = try MappedFile(copying: prefix)
        #expect(throws: GGUFError.tensorOutOfBounds(tensor: firstTensor.name, offset: UInt64(firstTensor.offset),
                                                    byteCount: firstTensor.byteCount,
                                                    dataSectionSize: firstTensor.byteCount - 1)) {
            try GGUFFile(mapping: mapping)
        }
    }
}
