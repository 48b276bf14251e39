/// The Llama hyperparameters, read from GGUF metadata (`llama.*` keys).
/// Reference: llama.cpp's LLM_ARCH_LLAMA and llama2.c's `Config`.
package struct LlamaConfig: Sendable, Equatable {
    /// Model width (`llama.embedding_length`).
    package var dim: Int
    /// SwiGLU inner width (`llama.feed_forward_length`).
    package var hiddenDim: Int
    package var layers: Int
    package var heads: Int
    /// Key/value heads (grouped-query attention when fewer than `heads`).
    package var kvHeads: Int
    package var vocabularySize: Int
    /// The longest context the model was trained for.
    package var contextLength: Int
    package var ropeBase: Float
    /// Dimensions rotated per head (usually `headDim`).
    package var ropeDimensions: Int
    package var rmsEpsilon: Float

    package var headDim: Int { dim / heads }
    package var kvDim: Int { kvHeads * headDim }

    /// Reads and checks the hyperparameters.
    package init(file: GGUFFile) throws(ModelError) {
        let architecture = file["general.architecture"]?.string ?? "unknown"
        guard architecture == "llama" else { throw .unsupportedArchitecture(architecture) }
        func int(_ key: String, in range: ClosedRange<Int>) throws(ModelError) -> Int {
            guard let value = file[key]?.int else { throw .invalidHyperparameter(key: key, detail: "missing") }
            guard range.contains(value) else {
                throw .invalidHyperparameter(key: key, detail: "\(value) is outside \(range)")
            }
            return value
        }
        dim = try int("llama.embedding_length", in: 1...65_536)
        hiddenDim = try int("llama.feed_forward_length", in: 1...262_144)
        layers = try int("llama.block_count", in: 1...1024)
        heads = try int("llama.attention.head_count", in: 1...1024)
        kvHeads = file["llama.attention.head_count_kv"] == nil ? heads : try int("llama.attention.head_count_kv", in: 1...1024)
        contextLength = try int("llama.context_length", in: 1...1_048_576)
        let tokens = file["tokenizer.ggml.tokens"]?.array?.count
        vocabularySize = file["llama.vocab_size"]?.int ?? tokens ?? 0
        guard vocabularySize > 0 else {
            throw .invalidHyperparameter(key: "llama.vocab_size", detail: "missing, and no tokenizer.ggml.tokens")
        }
        ropeBase = file["llama.rope.freq_base"]?.float ?? 10_000
        rmsEpsilon = file["llama.attention.layer_norm_rms_epsilon"]?.float ?? 1e-5
        guard dim % heads == 0 else {
            throw .invalidHyperparameter(key: "llama.attention.head_count", detail: "\(heads) does not divide \(dim)")
        }
        guard heads % kvHeads == 0 else {
            throw .invalidHyperparameter(key: "llama.attention.head_count_kv", detail: "\(kvHeads) does not divide \(heads)")
        }
        ropeDimensions = file["llama.rope.dimension_count"]?.int ?? dim / heads
        guard ropeDimensions > 0, ropeDimensions <= dim / heads, ropeDimensions % 2 == 0 else {
            throw .invalidHyperparameter(key: "llama.rope.dimension_count", detail: "\(ropeDimensions) for head size \(dim / heads)")
        }
        guard ropeBase.isFinite, ropeBase > 0, rmsEpsilon.isFinite, rmsEpsilon > 0 else {
            throw .invalidHyperparameter(key: "llama.rope.freq_base", detail: "not a positive number")
        }
    }
}
