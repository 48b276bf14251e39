// Mirrors Hugging Face transformers' `BertConfig` (config.json) and the sentence-transformers module
// files (sentence_bert_config.json, 1_Pooling/config.json, modules.json) that say how a sentence
// embedding is made from the encoder's output.

import Foundation

/// Why a BERT embedding model cannot be loaded or run.
package enum BertError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file of the model folder is missing or unreadable.
    case missingFile(String)
    /// A configuration file has a missing or unsupported value.
    case invalidConfiguration(file: String, detail: String)
    /// The weights file is not valid, or lacks or misshapes a tensor.
    case weights(SafetensorsError)
    /// The tokenizer file cannot be used.
    case tokenizer(WordPieceError)
    /// A token id outside the vocabulary (input `index`).
    case tokenOutOfRange(index: Int, id: Int)
    /// An input of token ids longer than the model's maximum sequence length.
    case sequenceTooLong(index: Int, count: Int, limit: Int)
    /// An input of token ids with no tokens.
    case emptySequence(index: Int)

    package var description: String {
        switch self {
        case .missingFile(let path): "missing or unreadable model file \(path)"
        case .invalidConfiguration(let file, let detail): "invalid \(file): \(detail)"
        case .weights(let error): error.description
        case .tokenizer(let error): error.description
        case .tokenOutOfRange(let index, let id): "input \(index): token id \(id) is outside the vocabulary"
        case .sequenceTooLong(let index, let count, let limit):
            "input \(index): \(count) tokens exceed the model's maximum of \(limit)"
        case .emptySequence(let index): "input \(index) has no tokens"
        }
    }
}

/// Hyperparameters of a BERT encoder and of the sentence-transformers pooling on top.
package struct BertConfig: Sendable, Equatable {
    /// `hidden_size` (384 for MiniLM-L6).
    package var dim: Int
    /// `num_hidden_layers`.
    package var layerCount: Int
    /// `num_attention_heads`.
    package var headCount: Int
    /// `intermediate_size`.
    package var hiddenDim: Int
    /// `vocab_size`.
    package var vocabularySize: Int
    /// `max_position_embeddings`.
    package var maxPositions: Int
    /// `type_vocab_size`.
    package var typeVocabularySize: Int
    /// `layer_norm_eps`.
    package var layerNormEpsilon: Float
    /// `max_seq_length` of sentence_bert_config.json (≤ `maxPositions`): inputs are truncated to it.
    package var maxSequenceLength: Int
    /// The pooling's mean over tokens (the only mode implemented).
    package var meansTokens: Bool
    /// Whether modules.json ends with a `Normalize` module (L2 normalisation).
    package var normalizes: Bool

    /// `dim / headCount`.
    package var headDim: Int { dim / headCount }

    private struct HFConfig: Decodable {
        var hidden_size: Int
        var num_hidden_layers: Int
        var num_attention_heads: Int
        var intermediate_size: Int
        var vocab_size: Int
        var max_position_embeddings: Int
        var type_vocab_size: Int?
        var layer_norm_eps: Double?
        var hidden_act: String?
        var position_embedding_type: String?
        var model_type: String?
    }

    private struct SentenceBertConfig: Decodable {
        var max_seq_length: Int?
    }

    private struct PoolingConfig: Decodable {
        var pooling_mode_cls_token: Bool?
        var pooling_mode_mean_tokens: Bool?
        var pooling_mode_max_tokens: Bool?
        var pooling_mode_mean_sqrt_len_tokens: Bool?
    }

    private struct Module: Decodable {
        var type: String
    }

    /// Reads config.json and the sentence-transformers files of `directory`.
    /// - Throws: `BertError` naming the file and the value that is wrong.
    package init(directory: URL) throws(BertError) {
        let config: HFConfig = try Self.decode("config.json", in: directory)
        func check(_ ok: Bool, _ detail: String) throws(BertError) {
            if !ok { throw .invalidConfiguration(file: "config.json", detail: detail) }
        }
        try check(config.model_type == nil || config.model_type == "bert", "model_type \(config.model_type ?? "") is not bert")
        try check((config.hidden_act ?? "gelu") == "gelu", "hidden_act \(config.hidden_act ?? "") is not gelu")
        try check((config.position_embedding_type ?? "absolute") == "absolute", "position_embedding_type is not absolute")
        try check(config.hidden_size > 0 && config.hidden_size <= 8192 && config.hidden_size % 8 == 0,
            "hidden_size \(config.hidden_size) must be a positive multiple of 8 up to 8192")
        try check(config.num_attention_heads > 0 && config.hidden_size % config.num_attention_heads == 0,
            "hidden_size is not divisible by num_attention_heads")
        try check(config.num_hidden_layers > 0 && config.num_hidden_layers <= 128, "num_hidden_layers out of range")
        try check(config.intermediate_size > 0 && config.intermediate_size <= 65536, "intermediate_size out of range")
        try check(config.vocab_size > 0 && config.vocab_size <= 10_000_000, "vocab_size out of range")
        try check(config.max_position_embeddings > 0 && config.max_position_embeddings <= 65536,
            "max_position_embeddings out of range")
        let types = config.type_vocab_size ?? 2
        try check(types > 0 && types <= 1024, "type_vocab_size out of range")

        dim = config.hidden_size
        layerCount = config.num_hidden_layers
        headCount = config.num_attention_heads
        hiddenDim = config.intermediate_size
        vocabularySize = config.vocab_size
        maxPositions = config.max_position_embeddings
        typeVocabularySize = types
        layerNormEpsilon = Float(config.layer_norm_eps ?? 1e-12)

        // sentence-transformers: its own max_seq_length wins over the tokenizer's truncation.
        let sentenceConfig: SentenceBertConfig? = try? Self.decode("sentence_bert_config.json", in: directory)
        let length = sentenceConfig?.max_seq_length ?? config.max_position_embeddings
        guard length >= 2, length <= config.max_position_embeddings else {
            throw .invalidConfiguration(file: "sentence_bert_config.json",
                detail: "max_seq_length \(length) must lie in 2...\(config.max_position_embeddings)")
        }
        maxSequenceLength = length

        let poolingURL = directory.appendingPathComponent("1_Pooling/config.json")
        if FileManager.default.fileExists(atPath: poolingURL.path) {
            let pooling: PoolingConfig = try Self.decode("1_Pooling/config.json", in: directory)
            let others = [pooling.pooling_mode_cls_token, pooling.pooling_mode_max_tokens,
                pooling.pooling_mode_mean_sqrt_len_tokens].contains(true)
            guard pooling.pooling_mode_mean_tokens == true, !others else {
                throw .invalidConfiguration(file: "1_Pooling/config.json", detail: "only mean pooling is supported")
            }
        }
        meansTokens = true
        let modules: [Module]? = try? Self.decode("modules.json", in: directory)
        normalizes = modules?.contains { $0.type.hasSuffix(".Normalize") } ?? true
    }

    private static func decode<T: Decodable>(_ name: String, in directory: URL) throws(BertError) -> T {
        let url = directory.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { throw .missingFile(url.path) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .invalidConfiguration(file: name, detail: "\(error)")
        }
    }
}
