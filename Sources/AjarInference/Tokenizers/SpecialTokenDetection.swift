// Port of the "auto-detect special tokens by text" part of llama.cpp src/llama-vocab.cpp
// (`llama_vocab::impl::load`): end-of-turn, end-of-message and fill-in-the-middle tokens are found by
// their text when the file does not name them, marked as control tokens, and the end-of-generation set
// is built from a list of end-like texts. llama.cpp walks an unordered map, so when several candidates
// exist its choice is arbitrary; here the first text in each list wins, which is deterministic.

/// End-of-turn/message ids and the end-of-generation set of a vocabulary.
struct SpecialTokenDetection {
    /// End-of-turn token.
    let eot: Int32?
    /// End-of-message token.
    let eom: Int32?
    /// Every token that ends generation.
    let endOfGeneration: Set<Int32>

    static let endOfTurnTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
        "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    static let endOfMessageTexts = ["<|eom_id|>"]
    static let fillInMiddlePrefixTexts = [
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>",
        "<|prefix|>",
    ]
    static let fillInMiddleSuffixTexts = [
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>",
        "<|suffix|>",
    ]
    static let fillInMiddleMiddleTexts = [
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>",
        "<|middle|>",
    ]
    static let fillInMiddlePadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fillInMiddleRepoTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    static let fillInMiddleSeparatorTexts = ["<|file_sep|>"]
    static let endOfGenerationTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    ]

    /// - Parameters:
    ///   - tokenIDs: text → id.
    ///   - eos: the EOS id, always end-of-generation.
    ///   - eot: the file's EOT id, if any; otherwise found by text.
    ///   - eom: the file's EOM id, if any; otherwise found by text.
    ///   - attributes: [vocab] token attributes; tokens found by text become control tokens.
    init(
        tokenIDs: TokenTable, eos: Int32?, eot: Int32?, eom: Int32?, attributes: inout [TokenAttributes]
    ) {
        func find(_ candidates: [String]) -> Int32? {
            for text in candidates {
                if let id = tokenIDs[text] {
                    attributes[Int(id)].insert(.control)
                    return id
                }
            }
            return nil
        }
        let eot = eot ?? find(Self.endOfTurnTexts)
        let eom = eom ?? find(Self.endOfMessageTexts)
        _ = find(Self.fillInMiddlePrefixTexts)
        _ = find(Self.fillInMiddleSuffixTexts)
        _ = find(Self.fillInMiddleMiddleTexts)

        var eog = Set<Int32>()
        for candidates in [Self.fillInMiddlePadTexts, Self.fillInMiddleRepoTexts, Self.fillInMiddleSeparatorTexts] {
            if let id = find(candidates) { eog.insert(id) }
        }
        for text in Self.endOfGenerationTexts {
            if let id = tokenIDs[text] {
                eog.insert(id)
                attributes[Int(id)].insert(.control)
            }
        }
        for id in [eos, eot, eom].compactMap({ $0 }) {
            eog.insert(id)
        }

        // llama.cpp: with both <|return|> and <|call|> (gpt-oss), or <|calls|> and <|flush|> (solar-open),
        // <|end|> does not end generation and becomes a user-defined token.
        func has(_ text: String) -> Bool { tokenIDs[text].map(eog.contains) ?? false }
        let hasCall = has("<|call|>") || has("<|calls|>")
        if let end = tokenIDs["<|end|>"], eog.contains(end), hasCall && (has("<|return|>") || has("<|flush|>")) {
            eog.remove(end)
            attributes[Int(end)] = .userDefined
        }
        // llama.cpp: with <|tool_response> (Gemma 4, PaddleOCR), </s> is a normal token.
        if has("<|tool_response>"), let closing = tokenIDs["</s>"], eog.contains(closing) {
            eog.remove(closing)
            attributes[Int(closing)] = .normal
        }

        self.eot = eot
        self.eom = eom
        self.endOfGeneration = eog
    }
}
