// Tensor names and shapes of Hugging Face transformers' `BertModel` checkpoints (modeling_bert.py),
// as sentence-transformers saves them (no "bert." prefix; a prefixed checkpoint also loads).

/// One encoder block's weights, packed for `GEMM32`. Shapes in the comments are the checkpoint's
/// (PyTorch Linear: `[out][in]`).
package struct BertLayerWeights: Sendable {
    /// query ‖ key ‖ value stacked: `[3·dim][dim]`, one product per block instead of three.
    package let qkv: PackedMatrix
    /// `[3·dim]`.
    package let qkvBias: [Float]
    /// attention.output.dense `[dim][dim]`.
    package let attentionOutput: PackedMatrix
    package let attentionOutputBias: [Float]
    /// attention.output.LayerNorm `[dim]`.
    package let attentionNormWeight: [Float]
    package let attentionNormBias: [Float]
    /// intermediate.dense `[hiddenDim][dim]`.
    package let up: PackedMatrix
    package let upBias: [Float]
    /// output.dense `[dim][hiddenDim]`.
    package let down: PackedMatrix
    package let downBias: [Float]
    /// output.LayerNorm `[dim]`.
    package let outputNormWeight: [Float]
    package let outputNormBias: [Float]
}

/// All weights of a BERT encoder, converted to Float32 and checked against the configuration.
package struct BertWeights: Sendable {
    /// `[vocabularySize][dim]`.
    package let wordEmbeddings: [Float]
    /// `[maxPositions][dim]`.
    package let positionEmbeddings: [Float]
    /// `[typeVocabularySize][dim]`.
    package let tokenTypeEmbeddings: [Float]
    /// embeddings.LayerNorm `[dim]`.
    package let embeddingNormWeight: [Float]
    package let embeddingNormBias: [Float]
    package let layers: [BertLayerWeights]

    /// Reads and checks every tensor the encoder uses.
    /// - Throws: `BertError.weights` naming a missing or misshapen tensor.
    package init(file: SafetensorsFile, config: BertConfig) throws(BertError) {
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil
            && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func load(_ name: String, _ shape: [Int]) throws(BertError) -> [Float] {
            do {
                return try file.floats(prefix + name, shape: shape)
            } catch {
                throw .weights(error)
            }
        }
        func pack(_ name: String, n: Int, k: Int) throws(BertError) -> PackedMatrix {
            let values = try load(name, [n, k])
            return values.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, n: n, k: k) }
        }
        let dim = config.dim, hidden = config.hiddenDim
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [config.vocabularySize, dim])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositions, dim])
        tokenTypeEmbeddings = try load("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, dim])
        embeddingNormWeight = try load("embeddings.LayerNorm.weight", [dim])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [dim])
        var layers: [BertLayerWeights] = []
        for i in 0..<config.layerCount {
            let p = "encoder.layer.\(i)."
            let q = try load(p + "attention.self.query.weight", [dim, dim])
            let k = try load(p + "attention.self.key.weight", [dim, dim])
            let v = try load(p + "attention.self.value.weight", [dim, dim])
            let qkv = (q + k + v).withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, n: 3 * dim, k: dim) }
            let qkvBias = try load(p + "attention.self.query.bias", [dim]) + load(p + "attention.self.key.bias", [dim])
                + load(p + "attention.self.value.bias", [dim])
            layers.append(
                BertLayerWeights(
                    qkv: qkv, qkvBias: qkvBias,
                    attentionOutput: try pack(p + "attention.output.dense.weight", n: dim, k: dim),
                    attentionOutputBias: try load(p + "attention.output.dense.bias", [dim]),
                    attentionNormWeight: try load(p + "attention.output.LayerNorm.weight", [dim]),
                    attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [dim]),
                    up: try pack(p + "intermediate.dense.weight", n: hidden, k: dim),
                    upBias: try load(p + "intermediate.dense.bias", [hidden]),
                    down: try pack(p + "output.dense.weight", n: dim, k: hidden),
                    downBias: try load(p + "output.dense.bias", [dim]),
                    outputNormWeight: try load(p + "output.LayerNorm.weight", [dim]),
                    outputNormBias: try load(p + "output.LayerNorm.bias", [dim])))
        }
        self.layers = layers
    }
}
