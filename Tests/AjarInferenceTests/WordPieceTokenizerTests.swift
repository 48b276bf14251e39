import Foundation
import Testing

@testable import AjarInference

/// The WordPiece tokenizer on a tiny hand-made vocabulary (each rule on its own), and on the real
/// all-MiniLM-L6-v2 tokenizer.json against sentence-transformers' ids (Fixtures/embeddings.json).
@Suite struct WordPieceTokenizerTests {
    static let tokens = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "!", ",", "un", "##aff", "##able", "cafe",
        "东", "京", "a", "##b", ".", "σ", "##ος",
    ]

    static func tiny(maxChars: Int = 100, extra: String = "") throws -> WordPieceTokenizer {
        let vocab = tokens.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",")
        let json = """
            {"added_tokens":[{"id":0,"content":"[PAD]","normalized":false},{"id":1,"content":"[UNK]"},
             {"id":2,"content":"[CLS]"},{"id":3,"content":"[SEP]"},{"id":4,"content":"[MASK]"}],
             "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,
                           "strip_accents":null,"lowercase":true},
             "pre_tokenizer":{"type":"BertPreTokenizer"},
             "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
                      "max_input_chars_per_word":\(maxChars),"vocab":{\(vocab)}}\(extra)}
            """
        return try WordPieceTokenizer(tokenizerJSONData: Data(json.utf8))
    }

    @Test(
        "normalises, splits and matches pieces as BERT does",
        arguments: [
            ("Hello, WORLD!", [5, 8, 6, 7]),
            ("  hello\t\nworld  ", [5, 6]),
            ("unaffable", [9, 10, 11]),
            ("CAFÉ", [12]),
            ("东京", [13, 14]),
            ("hello东京world", [5, 13, 14, 6]),
            ("ab.", [15, 16, 17]),
            ("unknownword hello", [1, 5]),
            ("hel\u{0}lo\u{7}", [5]),
            ("hello\u{200B}world", [1]),
            ("[MASK] hello [SEP]", [4, 5, 3]),
            ("[mask]", [1, 1, 1]),
            ("", []),
        ] as [(String, [Int])])
    func rules(text: String, expected: [Int]) throws {
        #expect(try Self.tiny().encodeContent(text) == expected, "\(text.debugDescription)")
    }

    @Test("a word longer than max_input_chars_per_word is one [UNK]")
    func longWord() throws {
        let tokenizer = try Self.tiny(maxChars: 4)
        #expect(tokenizer.encodeContent("hello a") == [1, 15])
        #expect(try Self.tiny(maxChars: 5).encodeContent("hello") == [5])
    }

    @Test("[CLS] and [SEP] surround the content, which is truncated to maxLength − 2")
    func truncation() throws {
        let tokenizer = try Self.tiny()
        #expect(tokenizer.encode("hello world", maxLength: 256) == [2, 5, 6, 3])
        #expect(tokenizer.encode("hello world ! hello", maxLength: 4) == [2, 5, 6, 3])
        #expect(tokenizer.encode("hello", maxLength: 0) == [2, 3])
    }

    @Test("lower-casing maps each character alone (final Σ becomes σ, as the reference)")
    func sigma() throws {
        #expect(try Self.tiny().normalize(ArraySlice("ΟΣ".unicodeScalars)) == Array("οσ".unicodeScalars))
    }

    @Test("tokenizer files of another kind are refused", arguments: ["BPE", "Unigram"])
    func otherModels(type: String) {
        let json = "{\"model\":{\"type\":\"\(type)\",\"vocab\":{\"a\":0}}}"
        #expect(throws: WordPieceError.unsupported(stage: "model", type: type)) {
            try WordPieceTokenizer(tokenizerJSONData: Data(json.utf8))
        }
    }

    @Test("unreadable or incomplete files are refused")
    func badFiles() {
        #expect(throws: WordPieceError.self) { try WordPieceTokenizer(tokenizerJSONData: Data("{".utf8)) }
        #expect(throws: WordPieceError.invalidVocabulary("no token [CLS]")) {
            try WordPieceTokenizer(tokenizerJSONData: Data(#"{"model":{"type":"WordPiece","vocab":{"[UNK]":0}}}"#.utf8))
        }
        #expect(throws: WordPieceError.self) {
            try WordPieceTokenizer(tokenizerJSONData: Data(#"{"model":{"type":"WordPiece","vocab":{"a":-1}}}"#.utf8))
        }
        #expect(throws: WordPieceError.self) { try WordPieceTokenizer(tokenizerJSON: "/nonexistent/tokenizer.json") }
    }

    @Test("all-MiniLM-L6-v2's tokenizer gives sentence-transformers' ids exactly", .enabled(if: BertFixtures.shouldRun, BertFixtures.skipMessage))
    func referenceIDs() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: BertFixtures.modelDirectory.appendingPathComponent("tokenizer.json").path)
        let fixture = try BertFixtures.load()
        #expect(fixture.items.count >= 20)
        for item in fixture.items {
            #expect(tokenizer.encode(item.text, maxLength: fixture.max_seq_length) == item.token_ids, "\(item.text.debugDescription)")
        }
        #expect(fixture.items.contains { $0.token_ids.count == fixture.max_seq_length }, "a fixture is truncated")
    }
}
