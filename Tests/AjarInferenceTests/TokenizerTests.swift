import Testing

@testable import AjarInference

/// Unit tests of the tokenizer parts on small, hand-computed inputs (the golden comparisons with
/// llama.cpp are in TokenizerLlamaCppTests).
@Suite struct TokenizerTests {
    // MARK: - Helpers

    /// The words a pre-tokenizer makes of `text`.
    static func words(_ text: String, _ name: String) throws -> [String] {
        let scalars = Array(text.unicodeScalars)
        var words = [String]()
        var start = 0
        for end in try PreTokenizer(name: name).split(scalars.map(\.value)) {
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[start..<end])
            words.append(String(word))
            start = end
        }
        return words
    }

    /// A tiny byte-level BPE vocabulary: every single byte, plus `tokens`.
    static func byteLevelTokenizer(tokens: [String], merges: [String], pre: String = "gpt-2") throws -> Tokenizer {
        let bytes = (0..<256).map { ByteLevelEncoding.encode([UInt8($0)]) }
        let special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool>"]
        let all = special + bytes + tokens
        let types = [Int32](repeating: 3, count: 3) + [4] + [Int32](repeating: 1, count: bytes.count + tokens.count)
        return try Tokenizer(
            metadata: TokenizerMetadata(
                model: "gpt2", preTokenizer: pre, tokens: all, tokenTypes: types, merges: merges, bosTokenID: 1,
                eosTokenID: 2))
    }

    /// The SentencePiece vocabulary of the hand-computed examples; higher score merges first.
    static func sentencePieceTokenizer(addSpacePrefix: Bool? = nil) throws -> Tokenizer {
        let entries: [(String, Float, Int32)] =
            [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3)]
            + (0..<256).map { (String(format2: $0), 0, 6) }
            + [
                ("▁", -10, 1), ("h", -10, 1), ("e", -10, 1), ("l", -10, 1), ("o", -10, 1), ("w", -10, 1),
                ("r", -10, 1), ("d", -10, 1), ("a", -10, 1), ("▁h", -1, 1), ("el", -2, 1), ("ll", -3, 1),
                ("lo", -4, 1), ("▁he", -5, 1), ("▁w", -1.5, 1), ("or", -2.5, 1), ("ld", -3.5, 1),
                ("▁wor", -0.1, 1), ("▁world", -0.2, 1), ("aa", -1, 1),
            ]
        return try Tokenizer(
            metadata: TokenizerMetadata(
                model: "llama", tokens: entries.map(\.0), tokenTypes: entries.map(\.2), scores: entries.map(\.1),
                bosTokenID: 1, eosTokenID: 2, unknownTokenID: 0, addSpacePrefix: addSpacePrefix))
    }

    // MARK: - Pre-tokenizers

    @Test("GPT-2 splits words, contractions, numbers and keeps one space before a word")
    func gpt2Words() throws {
        #expect(
            try Self.words("Hello world  foo's 123 don't?!", "gpt-2")
                == ["Hello", " world", " ", " foo", "'s", " 123", " don", "'t", "?!"])
        #expect(try Self.words("a\n\nb   ", "gpt-2") == ["a", "\n", "\n", "b", "   "])
    }

    @Test("SmolLM isolates every digit before the GPT-2 regex runs")
    func smollmDigits() throws {
        #expect(try Self.words("abc 123", "smollm") == ["abc", " ", "1", "2", "3"])
        #expect(try Self.words("x²½", "smollm") == ["x", "²", "½"])
    }

    @Test("Llama 3 groups digits by three and keeps line breaks together")
    func llama3Words() throws {
        #expect(
            try Self.words("Hello 12345 world\n\n  x", "llama-bpe")
                == ["Hello", " ", "123", "45", " world", "\n\n", " ", " x"])
        #expect(try Self.words("I'LL go", "llama-bpe") == ["I", "'LL", " go"])
        #expect(try Self.words("(hi)\n", "llama-bpe") == ["(hi", ")\n"])
    }

    @Test("Qwen2 splits every digit")
    func qwen2Digits() throws {
        #expect(try Self.words("v12", "qwen2") == ["v", "1", "2"])
    }

    @Test("an unknown pre-tokenizer name is an error, not a silent default")
    func unknownPreTokenizer() {
        #expect(throws: TokenizerError.unsupportedPreTokenizer("made-up")) {
            try PreTokenizer(name: "made-up")
        }
    }

    @Test("llama.cpp's code point table classifies letters, digits and spaces beyond ASCII")
    func codepointFlags() {
        #expect(CodepointFlags.of(0x4E16).isLetter)  // 世
        #expect(CodepointFlags.of(0x00B2).isNumber)  // ²
        #expect(CodepointFlags.of(0x3000).isWhitespace)  // ideographic space
        #expect(CodepointFlags.of(0x0301).contains(.accentMark))
        #expect(!CodepointFlags.of(0x1F355).isLetter)  // 🍕
        #expect(CodepointFlags.of(0x0020).isWhitespace && CodepointFlags.of(0x0020).contains(.separator))
    }

    // MARK: - Byte-level BPE

    @Test("the byte-level alphabet round-trips all 256 bytes and spells a space as Ġ")
    func byteLevelAlphabet() {
        let all = (0..<256).map(UInt8.init)
        #expect(ByteLevelEncoding.decode(ByteLevelEncoding.encode(all)) == all)
        #expect(ByteLevelEncoding.encode(Array(" \n".utf8)) == "ĠĊ")
    }

    @Test("BPE applies the lowest rank first and the leftmost pair on ties")
    func mergeOrder() throws {
        let tokenizer = try Self.byteLevelTokenizer(
            tokens: ["aa", "ab", "abc", "bc"], merges: ["a a", "b c", "a b", "a bc"])
        let aa = try #require(tokenizer.tokenID(forText: "aa"))
        let a = try #require(tokenizer.tokenID(forText: "a"))
        #expect(tokenizer.encode("aaa", addSpecial: false) == [aa, a])
        // "b c" (rank 1) beats "a b" (rank 2); then "a bc" (rank 3) makes "abc".
        #expect(tokenizer.encode("abc", addSpecial: false) == [try #require(tokenizer.tokenID(forText: "abc"))])
    }

    @Test("a merge whose result is not a token falls back to the bytes' tokens")
    func mergeResultNotInVocabulary() throws {
        let tokenizer = try Self.byteLevelTokenizer(tokens: [], merges: ["x y"])
        let x = try #require(tokenizer.tokenID(forText: "x"))
        let y = try #require(tokenizer.tokenID(forText: "y"))
        #expect(tokenizer.encode("xy", addSpecial: false) == [x, y])
    }

    @Test("control tokens are split out only when parsing special tokens; user-defined ones always")
    func specialTokenSplitting() throws {
        let tokenizer = try Self.byteLevelTokenizer(tokens: [], merges: [])
        let parsed = tokenizer.encode("<|im_start|>x<tool>", addSpecial: false, parseSpecial: true)
        #expect(parsed == [1, try #require(tokenizer.tokenID(forText: "x")), 3])
        let plain = tokenizer.encode("<|im_start|>x<tool>", addSpecial: false, parseSpecial: false)
        #expect(plain.count == "<|im_start|>x".utf8.count + 1)
        #expect(plain.last == 3)
    }

    @Test("BOS and EOS are added only where the metadata asks")
    func addSpecialTokens() throws {
        let bytes = (0..<256).map { ByteLevelEncoding.encode([UInt8($0)]) }
        let metadata = TokenizerMetadata(
            model: "gpt2", preTokenizer: "llama-bpe", tokens: ["<s>", "</s>"] + bytes,
            tokenTypes: [3, 3] + [Int32](repeating: 1, count: 256),
            merges: [], bosTokenID: 0, eosTokenID: 1, addEOS: true)
        let tokenizer = try Tokenizer(metadata: metadata)
        let ids = tokenizer.encode("hi", addSpecial: true)
        #expect(ids.first == 0 && ids.last == 1 && ids.count == 4)  // llama-bpe adds BOS by default
        #expect(tokenizer.encode("hi", addSpecial: false).count == 2)
        var noBOS = metadata
        noBOS.addBOS = false
        #expect(try Tokenizer(metadata: noBOS).encode("hi").first != 0)
    }

    // MARK: - SentencePiece

    @Test("SentencePiece merges by score: '▁hello▁world' → ▁h el lo ▁world")
    func sentencePieceScores() throws {
        let tokenizer = try Self.sentencePieceTokenizer()
        let ids = tokenizer.encode("hello world", addSpecial: false)
        #expect(ids.map { tokenizer.tokenText($0) ?? "?" } == ["▁h", "el", "lo", "▁world"])
        #expect(tokenizer.decode(ids) == " hello world")
        let withBOS = tokenizer.encode("hello world")
        #expect(withBOS.first == 1 && withBOS.dropFirst() == ids[...])
    }

    @Test("SentencePiece without a space prefix, and ties go to the leftmost pair")
    func sentencePieceNoPrefixAndTies() throws {
        let tokenizer = try Self.sentencePieceTokenizer(addSpacePrefix: false)
        #expect(
            tokenizer.encode("hello", addSpecial: false).map { tokenizer.tokenText($0) ?? "?" } == ["h", "el", "lo"])
        #expect(tokenizer.encode("aaa", addSpecial: false).map { tokenizer.tokenText($0) ?? "?" } == ["aa", "a"])
    }

    @Test("SentencePiece falls back to <0xXX> byte tokens and decodes them back")
    func sentencePieceByteFallback() throws {
        let tokenizer = try Self.sentencePieceTokenizer()
        let ids = tokenizer.encode("hé", addSpecial: false)
        #expect(ids.map { tokenizer.tokenText($0) ?? "?" } == ["▁h", "<0xC3>", "<0xA9>"])
        #expect(tokenizer.decode(ids) == " hé")
    }

    @Test("SentencePiece adds the space prefix again after a parsed special token")
    func sentencePieceAfterSpecial() throws {
        let tokenizer = try Self.sentencePieceTokenizer()
        let ids = tokenizer.encode("<s>hello", addSpecial: false, parseSpecial: true)
        #expect(ids.map { tokenizer.tokenText($0) ?? "?" } == ["<s>", "▁h", "el", "lo"])
    }

    // MARK: - Decoding

    @Test("the incremental decoder holds back a character split across tokens")
    func incrementalDecoding() throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        let text = "Emoji 🍕🚀 and 世界 done"
        let ids = tokenizer.encode(text, addSpecial: false)
        var decoder = tokenizer.makeIncrementalDecoder()
        var streamed = ""
        var sawHeldBack = false
        for id in ids {
            let chunk = decoder.append(id)
            #expect(!chunk.contains("\u{FFFD}"))
            sawHeldBack = sawHeldBack || decoder.hasPendingBytes
            streamed += chunk
        }
        streamed += decoder.finish()
        #expect(streamed == text)
        #expect(sawHeldBack, "expected at least one token to end inside a character")
    }

    @Test("the incremental decoder emits complete text at once and flushes a cut character as U+FFFD")
    func incrementalDecoderBytes() throws {
        #expect(IncrementalDecoder.incompleteTailLength(Array("ab".utf8)) == 0)
        #expect(IncrementalDecoder.incompleteTailLength([0x61, 0xF0, 0x9F]) == 2)
        #expect(IncrementalDecoder.incompleteTailLength([0xF0, 0x9F, 0x8D, 0x95]) == 0)
        #expect(IncrementalDecoder.incompleteTailLength([0x61, 0x80]) == 0)  // stray continuation: not held
        var decoder = IncrementalDecoder(tokenizer: try Self.byteLevelTokenizer(tokens: [], merges: []))
        #expect(decoder.append(bytes: [0x61, 0xE4, 0xB8]) == "a")
        #expect(decoder.append(bytes: [0x96]) == "世")
        #expect(decoder.append(bytes: [0xE4]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }

    @Test("control tokens decode to nothing unless rendered; unknown ids decode to nothing")
    func decodingControlTokens() throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        #expect(tokenizer.decode([1, 2]).isEmpty)
        #expect(tokenizer.decode([1, 2], renderSpecial: true) == "<|im_start|><|im_end|>")
        #expect(tokenizer.decode([-1, 1_000_000]).isEmpty)
        #expect(tokenizer.tokenText(-5) == nil)
    }

    // MARK: - Errors

    @Test("metadata that cannot make a tokenizer is a typed error")
    func loadErrors() {
        #expect(throws: TokenizerError.unsupportedModel("bert")) {
            try Tokenizer(metadata: TokenizerMetadata(model: "bert", tokens: ["a"]))
        }
        #expect(throws: TokenizerError.emptyVocabulary) {
            try Tokenizer(metadata: TokenizerMetadata(model: "gpt2", tokens: [], merges: []))
        }
        #expect(throws: TokenizerError.missingMerges) {
            try Tokenizer(metadata: TokenizerMetadata(model: "gpt2", preTokenizer: "gpt-2", tokens: ["a"]))
        }
        #expect(throws: TokenizerError.duplicateToken(text: "a", firstID: 0, secondID: 1)) {
            try Tokenizer(
                metadata: TokenizerMetadata(model: "gpt2", preTokenizer: "gpt-2", tokens: ["a", "a"], merges: []))
        }
        #expect(throws: TokenizerError.shortTokenArray(key: "tokenizer.ggml.token_type", count: 1, expected: 2)) {
            try Tokenizer(
                metadata: TokenizerMetadata(
                    model: "gpt2", preTokenizer: "gpt-2", tokens: ["a", "b"], tokenTypes: [1], merges: []))
        }
    }
}

extension String {
    /// `<0xXX>` for a byte.
    fileprivate init(format2 byte: Int) {
        let hex = Array("0123456789ABCDEF")
        self = "<0x\(hex[byte >> 4])\(hex[byte & 15])>"
    }
}
