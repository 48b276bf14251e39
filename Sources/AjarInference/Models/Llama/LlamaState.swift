/// Activation buffers and the KV cache for one sequence, allocated once (llama2.c's `RunState`).
/// Nothing in the token loop allocates.
package final class LlamaState {
    let config: LlamaConfig
    /// The most tokens this state holds (≤ the model's context length).
    package let capacity: Int
    /// Tokens already in the cache.
    package internal(set) var position = 0

    /// [dim] the residual stream
    let x: UnsafeMutableBufferPointer<Float>
    /// [dim] normalised input of a block
    let xb: UnsafeMutableBufferPointer<Float>
    /// [dim] attention output before `wo`
    let xb2: UnsafeMutableBufferPointer<Float>
    /// [dim] queries of this token
    let q: UnsafeMutableBufferPointer<Float>
    /// [hiddenDim] gate, then SwiGLU output
    let hb: UnsafeMutableBufferPointer<Float>
    /// [hiddenDim] up projection
    let hb2: UnsafeMutableBufferPointer<Float>
    /// [heads][capacity] attention scores
    let att: UnsafeMutableBufferPointer<Float>
    /// [vocab] the output
    package let logits: UnsafeMutableBufferPointer<Float>
    /// [layer][capacity][kvDim]
    let keyCache: UnsafeMutableBufferPointer<Float>
    /// [layer][capacity][kvDim]
    let valueCache: UnsafeMutableBufferPointer<Float>
    /// Scratch for the kernels (quantised activations, dequantised rows).
    let scratch: LlamaOps.Scratch
    /// [ropeDimensions / 2] cos, then sin, of the current token's rotation angles (computed once
    /// per token, used by every layer).
    let rotation: UnsafeMutableBufferPointer<Float>

    // Prefill: the same buffers for up to `batchCapacity` tokens at once, `[token][…]`.
    /// Most prompt tokens one batched forward pass takes (``LlamaModel/prefill(_:state:)``).
    package let batchCapacity: Int
    let batchX: UnsafeMutableBufferPointer<Float>
    let batchXB: UnsafeMutableBufferPointer<Float>
    let batchXB2: UnsafeMutableBufferPointer<Float>
    let batchQ: UnsafeMutableBufferPointer<Float>
    let batchHB: UnsafeMutableBufferPointer<Float>
    let batchHB2: UnsafeMutableBufferPointer<Float>
    /// [batchCapacity][ropeDimensions] each token's cos, then sin.
    let batchRotation: UnsafeMutableBufferPointer<Float>
    /// [batchCapacity][capacity] attention scores, one row per token of the batch.
    let batchAtt: UnsafeMutableBufferPointer<Float>
    /// The batch's quantised activations (one row per token).
    let batchActivations: QuantizedActivations

    /// - Parameters:
    ///   - capacity: Most tokens the sequence may hold (clamped to the context length).
    ///   - batchCapacity: Most prompt tokens per batched forward pass (default 64).
    package init(config: LlamaConfig, capacity: Int, batchCapacity: Int = 64) {
        self.config = config
        self.capacity = max(1, min(capacity, config.contextLength))
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
            buffer.initialize(repeating: 0)
            return buffer
        }
        x = buffer(config.dim)
        xb = buffer(config.dim)
        xb2 = buffer(config.dim)
        q = buffer(config.dim)
        hb = buffer(config.hiddenDim)
        hb2 = buffer(config.hiddenDim)
        att = buffer(config.heads * self.capacity)
        logits = buffer(config.vocabularySize)
        keyCache = buffer(config.layers * self.capacity * config.kvDim)
        valueCache = buffer(config.layers * self.capacity * config.kvDim)
        scratch = LlamaOps.Scratch(columns: max(config.dim, config.hiddenDim), threads: 8)
        rotation = buffer(config.ropeDimensions)
        let batch = max(1, min(batchCapacity, self.capacity))
        self.batchCapacity = batch
        batchX = buffer(batch * config.dim)
        batchXB = buffer(batch * config.dim)
        batchXB2 = buffer(batch * config.dim)
        batchQ = buffer(batch * config.dim)
        batchHB = buffer(batch * config.hiddenDim)
        batchHB2 = buffer(batch * config.hiddenDim)
        batchRotation = buffer(batch * config.ropeDimensions)
        batchAtt = buffer(batch * self.capacity)
        batchActivations = QuantizedActivations(maxColumns: max(config.dim, config.hiddenDim), maxTokens: batch)
    }

    deinit {
        for buffer in [x, xb, xb2, q, hb, hb2, att, logits, keyCache, valueCache, rotation,
                       batchX, batchXB, batchXB2, batchQ, batchHB, batchHB2, batchRotation, batchAtt] {
            buffer.deallocate()
        }
    }

    /// Forgets the sequence (the cache is overwritten as new tokens arrive).
    package func reset() { position = 0 }

    /// Keeps the first `count` cached tokens (a shared prompt prefix) and forgets the rest.
    package func truncate(to count: Int) { position = max(0, min(position, count)) }
}
