// Based on: llama.cpp include/llama.h (`llama_token_type`, `llama_token_attr`).

/// A vocabulary entry's kind as GGUF stores it (`tokenizer.ggml.token_type`).
package enum TokenType: Int32, Sendable, Equatable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    /// Structure the model reads but users must not type: BOS, EOS, `<|im_start|>`, …
    case control = 3
    /// Added tokens matched in raw text before BPE (even when special tokens are not parsed).
    case userDefined = 4
    case unused = 5
    /// SentencePiece byte fallback `<0xXX>`.
    case byte = 6
}

/// The attributes llama.cpp derives from a token's type and a few name-based rules.
struct TokenAttributes: OptionSet, Sendable, Hashable {
    let rawValue: UInt16

    static let unknown = TokenAttributes(rawValue: 1 << 0)
    static let unused = TokenAttributes(rawValue: 1 << 1)
    static let normal = TokenAttributes(rawValue: 1 << 2)
    static let control = TokenAttributes(rawValue: 1 << 3)
    static let userDefined = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)
    /// Whitespace before the token is dropped when special tokens are split out.
    static let leftStrip = TokenAttributes(rawValue: 1 << 7)
    /// Whitespace after the token is dropped when special tokens are split out.
    static let rightStrip = TokenAttributes(rawValue: 1 << 8)

    /// Tokens split out of the text before BPE/SPM runs.
    static let special: TokenAttributes = [.control, .userDefined, .unknown]

    /// llama.cpp's mapping of a `token_type` value (unrecognised values become no attributes).
    init(type: Int32) {
        switch TokenType(rawValue: type) {
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        case .undefined, nil: self = []
        }
    }

    init(rawValue: UInt16) { self.rawValue = rawValue }
}
