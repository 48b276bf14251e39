/// Why a model cannot be loaded or run. Loading checks every shape once; after that the forward
/// pass relies on those checks.
package enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a GGUF the engine can read (the reader's message).
    case file(String)
    /// `general.architecture` names something the engine does not implement.
    case unsupportedArchitecture(String)
    /// A hyperparameter is missing or out of range.
    case invalidHyperparameter(key: String, detail: String)
    /// A tensor has the wrong shape or an unsupported type.
    case invalidTensor(name: String, detail: String)
    /// The tokenizer or chat template in the file cannot be used.
    case tokenizer(String)
    /// A token id outside the vocabulary reached the forward pass.
    case tokenOutOfRange(Int32)
    /// More tokens than the context holds.
    case contextOverflow(needed: Int, limit: Int)

    package var description: String {
        switch self {
        case .file(let message): "cannot read the model file: \(message)"
        case .unsupportedArchitecture(let name):
            "unsupported model architecture '\(name)' (supported: llama)"
        case .invalidHyperparameter(let key, let detail): "invalid hyperparameter \(key): \(detail)"
        case .invalidTensor(let name, let detail): "invalid tensor \(name): \(detail)"
        case .tokenizer(let message): "cannot use the model's tokenizer: \(message)"
        case .tokenOutOfRange(let id): "token id \(id) is outside the vocabulary"
        case .contextOverflow(let needed, let limit): "\(needed) tokens do not fit the context of \(limit)"
        }
    }
}
