import Foundation

/// The Llama forward pass for one token, top to bottom as in the paper and llama2.c's `forward()`:
/// embedding → per layer [RMSNorm → Q,K,V → RoPE → grouped-query attention over the cache → Wo →
/// residual → RMSNorm → SwiGLU FFN → residual] → RMSNorm → classifier.
extension LlamaModel {
    /// Runs `token` at the state's next position and writes the logits into `state.logits`.
    /// - Throws: ``ModelError/tokenOutOfRange(_:)`` or ``ModelError/contextOverflow(needed:limit:)``.
    package func forward(_ token: Int32, state s: LlamaState) throws(ModelError) {
        let c = config
        guard token >= 0, Int(token) < c.vocabularySize else { throw .tokenOutOfRange(token) }
        guard s.position < s.capacity else { throw .contextOverflow(needed: s.position + 1, limit: s.capacity) }
        let pos = s.position
        let dim = c.dim, kvDim = c.kvDim, headDim = c.headDim, hidden = c.hiddenDim
        let group = c.heads / c.kvHeads
        let scale = 1 / sqrtf(Float(headDim))
        let x = s.x.baseAddress.unsafelyUnwrapped  // allocated with count ≥ 1 in LlamaState.init
        let xb = s.xb.baseAddress.unsafelyUnwrapped
        let xb2 = s.xb2.baseAddress.unsafelyUnwrapped
        let q = s.q.baseAddress.unsafelyUnwrapped
        let hb = s.hb.baseAddress.unsafelyUnwrapped
        let hb2 = s.hb2.baseAddress.unsafelyUnwrapped

        // Embedding (the token id was range-checked above).
        try? weights.tokenEmbedding.dequantizeRow(Int(token), into: s.x)

        for (l, layer) in weights.layers.enumerated() {
            // Attention.
            LlamaOps.rmsNorm(xb, x, weight: layer.attentionNorm, count: dim, epsilon: c.rmsEpsilon)
            let cacheOffset = (l * s.capacity + pos) * kvDim
            let k = s.keyCache.baseAddress.unsafelyUnwrapped + cacheOffset
            let v = s.valueCache.baseAddress.unsafelyUnwrapped + cacheOffset
            matmul(q, layer.wq, xb, scratch: s.scratch)
            matmul(k, layer.wk, xb, scratch: s.scratch)
            matmul(v, layer.wv, xb, scratch: s.scratch)
            LlamaOps.rope(q, heads: c.heads, headDim: headDim, rotated: c.ropeDimensions, position: pos, base: c.ropeBase)
            LlamaOps.rope(k, heads: c.kvHeads, headDim: headDim, rotated: c.ropeDimensions, position: pos, base: c.ropeBase)

            let layerKeys = s.keyCache.baseAddress.unsafelyUnwrapped + l * s.capacity * kvDim
            let layerValues = s.valueCache.baseAddress.unsafelyUnwrapped + l * s.capacity * kvDim
            for h in 0..<c.heads {
                let qh = q + h * headDim
                let att = s.att.baseAddress.unsafelyUnwrapped + h * s.capacity
                let kvOffset = (h / group) * headDim
                for t in 0...pos {
                    att[t] = LlamaOps.dot(qh, layerKeys + t * kvDim + kvOffset, count: headDim) * scale
                }
                LlamaOps.softmax(att, count: pos + 1)
                let out = xb2 + h * headDim
                out.initialize(repeating: 0, count: headDim)
                for t in 0...pos {
                    LlamaOps.axpy(out, att[t], layerValues + t * kvDim + kvOffset, count: headDim)
                }
            }
            matmul(xb, layer.wo, xb2, scratch: s.scratch)
            LlamaOps.add(x, xb, count: dim)

            // Feed-forward (SwiGLU).
            LlamaOps.rmsNorm(xb, x, weight: layer.ffnNorm, count: dim, epsilon: c.rmsEpsilon)
            matmul(hb, layer.gate, xb, scratch: s.scratch)
            matmul(hb2, layer.up, xb, scratch: s.scratch)
            LlamaOps.swiglu(hb, hb2, count: hidden)
            matmul(xb, layer.down, hb, scratch: s.scratch)
            LlamaOps.add(x, xb, count: dim)
        }

        LlamaOps.rmsNorm(x, x, weight: weights.outputNorm, count: dim, epsilon: c.rmsEpsilon)
        matmul(s.logits.baseAddress.unsafelyUnwrapped, weights.output, x, scratch: s.scratch)
        s.position += 1
    }

    /// `out[rows] = W · x[cols]`, rows split across the model's threads.
    @inline(__always)
    func matmul(_ out: UnsafeMutablePointer<Float>, _ weight: TensorView, _ x: UnsafeMutablePointer<Float>, scratch: LlamaOps.Scratch) {
        LlamaOps.matVec(out, weight, x, scratch: scratch, pool: pool)
    }
}
