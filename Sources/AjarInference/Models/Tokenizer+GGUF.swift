/// Builds the tokenizer a GGUF file describes (`tokenizer.ggml.*` metadata).
extension TokenizerMetadata {
    package init(file: GGUFFile) throws(ModelError) {
        guard let model = file["tokenizer.ggml.model"]?.string else { throw .tokenizer("tokenizer.ggml.model is missing") }
        guard let tokens = file["tokenizer.ggml.tokens"]?.stringArray else {
            throw .tokenizer("tokenizer.ggml.tokens is missing or not a list of strings")
        }
        func id(_ key: String) -> Int32? { file[key]?.int.flatMap { Int32(exactly: $0) } }
        self.init(
            model: model,
            preTokenizer: file["tokenizer.ggml.pre"]?.string,
            tokens: tokens,
            tokenTypes: file["tokenizer.ggml.token_type"]?.intArray?.compactMap { Int32(exactly: $0) },
            scores: file["tokenizer.ggml.scores"]?.floatArray,
            merges: file["tokenizer.ggml.merges"]?.stringArray,
            bosTokenID: id("tokenizer.ggml.bos_token_id"),
            eosTokenID: id("tokenizer.ggml.eos_token_id"),
            eotTokenID: id("tokenizer.ggml.eot_token_id"),
            eomTokenID: id("tokenizer.ggml.eom_token_id"),
            unknownTokenID: id("tokenizer.ggml.unknown_token_id"),
            paddingTokenID: id("tokenizer.ggml.padding_token_id"),
            addBOS: file["tokenizer.ggml.add_bos_token"]?.bool,
            addEOS: file["tokenizer.ggml.add_eos_token"]?.bool,
            addSpacePrefix: file["tokenizer.ggml.add_space_prefix"]?.bool,
            modelName: file["general.name"]?.string)
    }
}

extension Tokenizer {
    /// The tokenizer of a GGUF model file.
    package init(file: GGUFFile) throws(ModelError) {
        let metadata = try TokenizerMetadata(file: file)
        do {
            try self.init(metadata: metadata)
        } catch {
            throw .tokenizer("\(error)")
        }
    }
}
