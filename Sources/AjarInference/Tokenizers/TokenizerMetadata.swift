/// A model's `tokenizer.ggml.*` metadata as plain Swift values: what the GGUF loader reads and
/// `Tokenizer` is built from. Optional fields are absent keys; llama.cpp's defaults then apply.
package struct TokenizerMetadata: Sendable, Equatable {
    /// `tokenizer.ggml.model`: `"gpt2"` (byte-level BPE) or `"llama"` (SentencePiece BPE).
    package var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer of a BPE vocabulary (`"smollm"`, `"llama-bpe"`, `"qwen2"`, …).
    package var preTokenizer: String?
    /// `tokenizer.ggml.tokens`: [vocab] the text of each token, as the vocabulary spells it
    /// (byte-level alphabet for `gpt2`, `▁` for spaces for `llama`).
    package var tokens: [String]
    /// `tokenizer.ggml.token_type`: [vocab] `TokenType` raw values; nil means all normal.
    package var tokenTypes: [Int32]?
    /// `tokenizer.ggml.scores`: [vocab] merge priority of each token (SentencePiece); nil means all 0.
    package var scores: [Float]?
    /// `tokenizer.ggml.merges`: BPE merges in rank order, each `"left right"`.
    package var merges: [String]?

    /// `tokenizer.ggml.bos_token_id`.
    package var bosTokenID: Int32?
    /// `tokenizer.ggml.eos_token_id`.
    package var eosTokenID: Int32?
    /// `tokenizer.ggml.eot_token_id`; when absent, found by text (`<|im_end|>`, `<|eot_id|>`, …).
    package var eotTokenID: Int32?
    /// `tokenizer.ggml.eom_token_id`; when absent, found by text (`<|eom_id|>`).
    package var eomTokenID: Int32?
    /// `tokenizer.ggml.unknown_token_id`.
    package var unknownTokenID: Int32?
    /// `tokenizer.ggml.padding_token_id`.
    package var paddingTokenID: Int32?

    /// `tokenizer.ggml.add_bos_token`.
    package var addBOS: Bool?
    /// `tokenizer.ggml.add_eos_token`.
    package var addEOS: Bool?
    /// `tokenizer.ggml.add_space_prefix` (SentencePiece: prefix the text with a space).
    package var addSpacePrefix: Bool?
    /// `general.name`: llama.cpp strips whitespace after Phi-3's special tokens by this name.
    package var modelName: String?

    /// - Parameters: see the properties; each is the GGUF key of the same name.
    package init(
        model: String,
        preTokenizer: String? = nil,
        tokens: [String],
        tokenTypes: [Int32]? = nil,
        scores: [Float]? = nil,
        merges: [String]? = nil,
        bosTokenID: Int32? = nil,
        eosTokenID: Int32? = nil,
        eotTokenID: Int32? = nil,
        eomTokenID: Int32? = nil,
        unknownTokenID: Int32? = nil,
        paddingTokenID: Int32? = nil,
        addBOS: Bool? = nil,
        addEOS: Bool? = nil,
        addSpacePrefix: Bool? = nil,
        modelName: String? = nil
    ) {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.eotTokenID = eotTokenID
        self.eomTokenID = eomTokenID
        self.unknownTokenID = unknownTokenID
        self.paddingTokenID = paddingTokenID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.modelName = modelName
    }
}
