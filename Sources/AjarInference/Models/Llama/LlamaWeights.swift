/// Views of the Llama weights inside the mapped GGUF file, each checked once for shape and type.
/// GGUF shapes list the row length first: a matrix `[cols, rows]` multiplies a `cols` vector.
package struct LlamaWeights: Sendable {
    package struct Layer: Sendable {
        /// [dim] F32
        package var attentionNorm: TensorView
        /// [dim, dim] rows of the query projection
        package var wq: TensorView
        /// [dim, kvDim]
        package var wk: TensorView
        /// [dim, kvDim]
        package var wv: TensorView
        /// [dim, dim]
        package var wo: TensorView
        /// [dim] F32
        package var ffnNorm: TensorView
        /// [dim, hiddenDim] (gate, w1)
        package var gate: TensorView
        /// [dim, hiddenDim] (up, w3)
        package var up: TensorView
        /// [hiddenDim, dim] (down, w2)
        package var down: TensorView
    }

    /// [dim, vocab]: row `t` is token `t`'s embedding.
    package var tokenEmbedding: TensorView
    package var layers: [Layer]
    /// [dim] F32
    package var outputNorm: TensorView
    /// [dim, vocab]: the classifier (the embedding itself when the model ties them).
    package var output: TensorView

    /// Every matrix type the kernels multiply.
    static let matrixTypes: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    package init(file: GGUFFile, config c: LlamaConfig) throws(ModelError) {
        func tensor(_ name: String, _ shape: [Int], types: Set<GGMLType> = LlamaWeights.matrixTypes) throws(ModelError) -> TensorView {
            guard let view = file.tensor(name) else { throw .invalidTensor(name: name, detail: "missing") }
            guard view.shape == shape else {
                throw .invalidTensor(name: name, detail: "shape \(view.shape), expected \(shape)")
            }
            guard types.contains(view.type) else {
                throw .invalidTensor(name: name, detail: "type \(view.type) is not supported here")
            }
            guard view.rowLength % view.type.blockSize == 0 else {
                throw .invalidTensor(name: name, detail: "row length \(view.rowLength) is not a multiple of \(view.type.blockSize)")
            }
            return view
        }
        let norm: Set<GGMLType> = [.f32]
        tokenEmbedding = try tensor("token_embd.weight", [c.dim, c.vocabularySize])
        outputNorm = try tensor("output_norm.weight", [c.dim], types: norm)
        output = file.tensor("output.weight") == nil ? tokenEmbedding : try tensor("output.weight", [c.dim, c.vocabularySize])
        var layers: [Layer] = []
        for i in 0..<c.layers {
            layers.append(
                Layer(
                    attentionNorm: try tensor("blk.\(i).attn_norm.weight", [c.dim], types: norm),
                    wq: try tensor("blk.\(i).attn_q.weight", [c.dim, c.dim]),
                    wk: try tensor("blk.\(i).attn_k.weight", [c.dim, c.kvDim]),
                    wv: try tensor("blk.\(i).attn_v.weight", [c.dim, c.kvDim]),
                    wo: try tensor("blk.\(i).attn_output.weight", [c.dim, c.dim]),
                    ffnNorm: try tensor("blk.\(i).ffn_norm.weight", [c.dim], types: norm),
                    gate: try tensor("blk.\(i).ffn_gate.weight", [c.dim, c.hiddenDim]),
                    up: try tensor("blk.\(i).ffn_up.weight", [c.dim, c.hiddenDim]),
                    down: try tensor("blk.\(i).ffn_down.weight", [c.hiddenDim, c.dim])))
        }
        self.layers = layers
    }

    /// Bytes of weights read for one token (every matrix once, plus the output head).
    package var bytesPerToken: Int {
        layers.reduce(output.byteCount) { total, layer in
            total + layer.wq.byteCount + layer.wk.byteCount + layer.wv.byteCount + layer.wo.byteCount
                + layer.gate.byteCount + layer.up.byteCount + layer.down.byteCount
        }
    }
}
