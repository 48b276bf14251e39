// Based on: llama.cpp src/llama-vocab.cpp (`llama_vocab::impl::load`, `tokenize`, `token_to_piece`).
// The ids produced for a model equal llama.cpp's for the same GGUF metadata; the tests compare them
// with ids from llama.cpp itself (Tests/AjarInferenceTests/Fixtures/tokenizer, made by
// scripts/make-tokenizer-fixtures.py).

/// Text ⇄ token ids for a GGUF chat model: byte-level BPE (`gpt2`) or SentencePiece BPE (`llama`).
///
/// Built once from `TokenizerMetadata` (all lookup tables are made at load); then `encode` and
/// `decode` are pure and never fail. A value type, safe to share across tasks.
package struct Tokenizer: Sendable {
    /// The algorithm behind `tokenizer.ggml.model`.
    package enum Model: Sendable, Equatable {
        /// `gpt2`: byte-level BPE after a regex pre-tokenizer.
        case bytePairEncoding(PreTokenizer)
        /// `llama`: SentencePiece-style BPE by token scores, spaces as `▁`, `<0xXX>` byte fallback.
        case sentencePiece
    }

    /// The tokenizer algorithm.
    package let model: Model
    /// [vocab] each token's text as the vocabulary spells it.
    let texts: [String]
    /// [vocab] llama.cpp's attributes of each token.
    let attributes: [TokenAttributes]
    /// Text → id of every token (by exact bytes).
    let tokenIDs: TokenTable
    /// The encoder that runs between special tokens.
    let encoder: Encoder
    /// Control, user-defined and unknown tokens, longest text first (ties: lower id first), with their bytes.
    let specialTokens: [(id: Int32, bytes: [UInt8])]
    /// Every token's piece rendered with special tokens shown, back to back; token `i` is
    /// `pieceBytes[pieceOffsets[i]..<pieceOffsets[i + 1]]`.
    let pieceBytes: [UInt8]
    /// [vocab + 1] offsets into `pieceBytes`.
    let pieceOffsets: [Int32]

    /// Beginning-of-sequence token.
    package let bos: Int32?
    /// End-of-sequence token.
    package let eos: Int32?
    /// End-of-turn token (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, …).
    package let eot: Int32?
    /// End-of-message token (`<|eom_id|>`).
    package let eom: Int32?
    /// Unknown token.
    package let unknown: Int32?
    /// Padding token.
    package let padding: Int32?
    /// Every token that ends generation (EOS, EOT, EOM and the end-like tokens llama.cpp finds by text).
    package let endOfGenerationTokens: Set<Int32>
    /// Whether `encode(_:addSpecial: true, …)` prepends BOS.
    package let addsBOS: Bool
    /// Whether `encode(_:addSpecial: true, …)` appends EOS.
    package let addsEOS: Bool
    /// SentencePiece: whether text after a special token (or at the start) gets a leading space.
    package let addsSpacePrefix: Bool

    /// The encoder behind `model`.
    enum Encoder: Sendable {
        case bytePairEncoding(BytePairEncoder, PreTokenizer)
        case sentencePiece(SentencePieceEncoder)
    }

    /// Builds the tokenizer llama.cpp would build from the same metadata.
    /// - Parameter metadata: the `tokenizer.ggml.*` values of the model file.
    /// - Throws: `TokenizerError` for an unsupported model or pre-tokenizer, an empty vocabulary, a
    ///   duplicate token, per-token arrays shorter than the vocabulary, or BPE without merges.
    package init(metadata: TokenizerMetadata) throws(TokenizerError) {
        let count = metadata.tokens.count
        guard count > 0 else { throw .emptyVocabulary }
        guard count < Int(Int32.max) else { throw .vocabularyTooLarge(count) }
        if let types = metadata.tokenTypes, types.count < count {
            throw .shortTokenArray(key: "tokenizer.ggml.token_type", count: types.count, expected: count)
        }
        if let scores = metadata.scores, scores.count < count {
            throw .shortTokenArray(key: "tokenizer.ggml.scores", count: scores.count, expected: count)
        }

        var texts = metadata.tokens
        var tokenIDs = TokenTable()
        tokenIDs.reserveCapacity(count)
        for i in 0..<count {
            // llama.cpp reads GGUF strings as C strings (a NUL ends them) and renames empty tokens.
            if let nul = texts[i].utf8.firstIndex(of: 0) { texts[i] = String(texts[i][..<nul]) }
            if texts[i].isEmpty { texts[i] = "[EMPTY_\(i)]" }
            if let first = tokenIDs.insert(texts[i], id: Int32(i)) {
                throw .duplicateToken(text: texts[i], firstID: Int(first), secondID: i)
            }
        }
        var attributes = (0..<count).map { i in
            metadata.tokenTypes.map { TokenAttributes(type: $0[i]) } ?? .normal
        }

        // Model, flags and default special ids, as in llama.cpp.
        var addBOS: Bool
        var addSpacePrefix: Bool
        var defaults: (bos: Int32?, eos: Int32?, unknown: Int32?)
        let encoder: Encoder
        switch metadata.model {
        case "gpt2":
            let pre = try PreTokenizer(name: metadata.preTokenizer)
            guard let merges = metadata.merges else { throw .missingMerges }
            encoder = .bytePairEncoding(
                BytePairEncoder(
                    tokenIDs: tokenIDs, vocabularySize: Int32(count), merges: merges, ignoresMerges: pre.ignoresMerges),
                pre)
            addBOS = pre.addsBOSByDefault
            addSpacePrefix = false
            defaults = (11, 11, nil)
        case "llama":
            let scores = metadata.scores ?? [Float](repeating: 0, count: count)
            let unknownID = Self.validID(metadata.unknownTokenID, count) ?? Self.validID(0, count)
            encoder = .sentencePiece(SentencePieceEncoder(tokenIDs: tokenIDs, scores: scores, unknownID: unknownID))
            addBOS = true
            addSpacePrefix = true
            defaults = (1, 2, 0)
        default:
            throw .unsupportedModel(metadata.model)
        }
        addSpacePrefix = metadata.addSpacePrefix ?? addSpacePrefix
        addBOS = metadata.addBOS ?? addBOS

        // A key that is present but out of range keeps the default, as in llama.cpp.
        let bos = Self.validID(metadata.bosTokenID, count) ?? Self.validID(defaults.bos, count)
        let eos = Self.validID(metadata.eosTokenID, count) ?? Self.validID(defaults.eos, count)
        let special = SpecialTokenDetection(
            tokenIDs: tokenIDs, eos: eos, eot: Self.validID(metadata.eotTokenID, count),
            eom: Self.validID(metadata.eomTokenID, count), attributes: &attributes)

        // llama.cpp: Phi-3 strips whitespace after its special tokens (chosen by general.name).
        let name = (metadata.modelName ?? "").lowercased()
        if name.contains("phi-3") || name.contains("phi3") {
            for i in 0..<count where !attributes[i].isDisjoint(with: .special) {
                attributes[i].insert(.rightStrip)
            }
            if let id = tokenIDs["</s>"] { attributes[Int(id)].insert(.rightStrip) }
            for text in ["<unk>", "<s>", "<|endoftext|>"] {
                if let id = tokenIDs[text] { attributes[Int(id)].remove(.rightStrip) }
            }
        }

        self.model =
            switch encoder {
            case .bytePairEncoding(_, let pre): .bytePairEncoding(pre)
            case .sentencePiece: .sentencePiece
            }
        self.texts = texts
        self.tokenIDs = tokenIDs
        self.encoder = encoder
        self.specialTokens = (0..<count)
            .filter { !attributes[$0].isDisjoint(with: .special) }
            .map { (id: Int32($0), bytes: Array(texts[$0].utf8)) }
            .sorted { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }
        let pieces = Self.renderPieces(texts: texts, attributes: attributes, encoder: encoder)
        self.pieceBytes = pieces.bytes
        self.pieceOffsets = pieces.offsets
        self.attributes = attributes
        self.bos = bos
        self.eos = eos
        self.eot = special.eot
        self.eom = special.eom
        self.unknown = Self.validID(metadata.unknownTokenID, count) ?? Self.validID(defaults.unknown, count)
        self.padding = Self.validID(metadata.paddingTokenID, count)
        self.endOfGenerationTokens = special.endOfGeneration
        self.addsBOS = addBOS && bos != nil
        self.addsEOS = (metadata.addEOS ?? false) && eos != nil
        self.addsSpacePrefix = addSpacePrefix
    }

    /// The number of tokens in the vocabulary.
    package var vocabularySize: Int { texts.count }

    /// Whether `id` ends generation (EOS, EOT, EOM, …).
    package func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationTokens.contains(id) }

    /// The vocabulary's text of a token (byte-level spelling for BPE, `▁` for SentencePiece), or nil
    /// for an id outside the vocabulary.
    package func tokenText(_ id: Int32) -> String? {
        id >= 0 && Int(id) < texts.count ? texts[Int(id)] : nil
    }

    /// The id of the token whose vocabulary text is exactly `text`.
    package func tokenID(forText text: String) -> Int32? { tokenIDs[text] }

    /// Whether a token is a control token (BOS, EOS, `<|im_start|>`, …): hidden when decoding unless asked.
    package func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < attributes.count && attributes[Int(id)].contains(.control)
    }

    private static func validID(_ id: Int32?, _ count: Int) -> Int32? {
        guard let id, id >= 0, Int(id) < count else { return nil }
        return id
    }
}
