import Foundation
import Testing

@testable import AjarInference

/// The tokenizer fixtures (made by scripts/make-tokenizer-fixtures.py) and the tokenizers built from them.
enum TokenizerFixtures {
    /// SmolLM2-135M-Instruct's `tokenizer.ggml.*` metadata (Fixtures/tokenizer/smollm2-vocab.json).
    struct Vocabulary: Decodable {
        var model: String
        var pre: String?
        var tokens: [String]
        var tokenTypes: [Int32]
        var merges: [String]
        var bosTokenID: Int32?
        var eosTokenID: Int32?
        var unknownTokenID: Int32?
        var paddingTokenID: Int32?
        var addBOS: Bool?
        var addEOS: Bool?
        var addSpacePrefix: Bool?
        var chatTemplate: String?

        func metadata(preTokenizer: String? = nil) -> TokenizerMetadata {
            TokenizerMetadata(
                model: model, preTokenizer: preTokenizer ?? pre, tokens: tokens, tokenTypes: tokenTypes,
                merges: merges, bosTokenID: bosTokenID, eosTokenID: eosTokenID, unknownTokenID: unknownTokenID,
                paddingTokenID: paddingTokenID, addBOS: addBOS, addEOS: addEOS, addSpacePrefix: addSpacePrefix)
        }
    }

    /// The SentencePiece vocabulary derived from SmolLM2's (Fixtures/tokenizer/spm-vocab.json).
    struct SentencePieceVocabulary: Decodable {
        var tokens: [String]
        var tokenTypes: [Int32]

        /// Scores as the script wrote them into the GGUF: 0 for ids < 259, else 259 - id.
        var metadata: TokenizerMetadata {
            TokenizerMetadata(
                model: "llama", tokens: tokens, tokenTypes: tokenTypes,
                scores: tokens.indices.map { $0 < 259 ? 0 : Float(259 - $0) }, bosTokenID: 1, eosTokenID: 2,
                unknownTokenID: 0)
        }
    }

    /// llama.cpp's ids for every case string (Fixtures/tokenizer/llamacpp-tokens.json).
    struct LlamaCppTokens: Decodable {
        struct Case: Decodable, Sendable, CustomTestStringConvertible {
            var text: String
            var ids: [Int32]
            var idsSpecial: [Int32]
            var pieces: [String]
            var piecesSpecial: [String]
            var index: Int = 0

            enum CodingKeys: String, CodingKey { case text, ids, idsSpecial, pieces, piecesSpecial }

            var testDescription: String {
                let head = text.prefix(40).debugDescription
                return "#\(index) \(head)\(text.count > 40 ? "…" : "")"
            }
        }

        struct Variant: Decodable {
            var ids: [[Int32]]
            var idsSpecial: [[Int32]]
            var idsWithBOS: [[Int32]]?
        }

        var generator: String
        var cases: [Case]
        var eog: [Int32]
        var bos: Int32
        var eos: Int32
        var eot: Int32
        var variants: [String: Variant]
    }

    static func url(_ name: String) throws -> URL {
        let base = try #require(Bundle.module.resourceURL, "test bundle has no resources")
        return base.appendingPathComponent("Fixtures/tokenizer/\(name)")
    }

    static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(name)))
    }

    static let vocabulary = Result { try decode(Vocabulary.self, from: "smollm2-vocab.json") }
    static let smolLM2 = Result { try Tokenizer(metadata: vocabulary.get().metadata()) }
    static let sentencePiece = Result {
        try Tokenizer(metadata: decode(SentencePieceVocabulary.self, from: "spm-vocab.json").metadata)
    }
    static let llamaCpp = Result {
        var fixture = try decode(LlamaCppTokens.self, from: "llamacpp-tokens.json")
        for i in fixture.cases.indices { fixture.cases[i].index = i }
        return fixture
    }

    /// The case strings, for `@Test(arguments:)` (empty when the fixture is missing; a test then fails).
    static var cases: [LlamaCppTokens.Case] { (try? llamaCpp.get().cases) ?? [] }

    static func bytes(hex: String) -> [UInt8] {
        var result = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            if let byte = UInt8(hex[index..<next], radix: 16) { result.append(byte) }
            index = next
        }
        return result
    }
}

@Suite struct TokenizerFixtureTests {
    @Test("the SmolLM2 vocabulary fixture loads into a tokenizer with the model's special tokens")
    func smolLM2Loads() throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bos == 1)
        #expect(tokenizer.eos == 2)
        #expect(tokenizer.eot == 2)
        #expect(tokenizer.unknown == 0)
        #expect(tokenizer.padding == 2)
        #expect(!tokenizer.addsBOS)
        #expect(!tokenizer.addsEOS)
        #expect(tokenizer.tokenText(2) == "<|im_end|>")
        #expect(tokenizer.tokenID(forText: "<|im_start|>") == 1)
        #expect(tokenizer.isControl(1))
        #expect(tokenizer.model == .bytePairEncoding(try PreTokenizer(name: "smollm")))
    }

    @Test("the llama.cpp token fixture covers at least 60 strings")
    func llamaCppFixtureLoads() throws {
        let fixture = try TokenizerFixtures.llamaCpp.get()
        #expect(fixture.cases.count >= 60)
        #expect(fixture.cases.contains { $0.text.isEmpty })
    }
}
