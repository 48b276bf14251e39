/// Why a tokenizer could not be built from a model's metadata. Encoding and decoding never fail:
/// any text encodes, and an unknown id decodes to nothing.
package enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `tokenizer.ggml.model` names a tokenizer this engine does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer whose regexes are not implemented here.
    case unsupportedPreTokenizer(String)
    /// `tokenizer.ggml.tokens` is empty.
    case emptyVocabulary
    /// More tokens than an `Int32` id can address.
    case vocabularyTooLarge(Int)
    /// The same text appears twice in `tokenizer.ggml.tokens` (llama.cpp refuses this too).
    case duplicateToken(text: String, firstID: Int, secondID: Int)
    /// A per-token array (`token_type`, `scores`) is shorter than the vocabulary.
    case shortTokenArray(key: String, count: Int, expected: Int)
    /// A byte-level BPE vocabulary without `tokenizer.ggml.merges`.
    case missingMerges

    package var description: String {
        switch self {
        case .unsupportedModel(let name):
            return "unsupported tokenizer model '\(name)' (supported: gpt2, llama)"
        case .unsupportedPreTokenizer(let name):
            return "unsupported pre-tokenizer '\(name)'"
        case .emptyVocabulary:
            return "the vocabulary (tokenizer.ggml.tokens) is empty"
        case .vocabularyTooLarge(let count):
            return "the vocabulary has \(count) tokens, more than Int32 ids can address"
        case .duplicateToken(let text, let first, let second):
            return "duplicate token in vocabulary: '\(text)' has ids \(first) and \(second)"
        case .shortTokenArray(let key, let count, let expected):
            return "\(key) has \(count) entries, expected at least \(expected)"
        case .missingMerges:
            return "byte-level BPE vocabulary without tokenizer.ggml.merges"
        }
    }
}
