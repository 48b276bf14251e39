import Foundation

/// The Llama forward pass, top to bottom as in the paper and llama2.c's `forward()`:
/// embedding → per layer [RMSNorm → Q,K,V → RoPE → grouped-query attention over the cache → Wo →
/// residual → RMSNorm → SwiGLU FFN → residual] → RMSNorm → classifier.
///
/// Two entry points share the steps: ``forward(_:state:)`` runs one token (decode), and
/// ``prefill(_:state:)`` runs a prompt in batches of up to `state.batchCapacity` tokens, so each
/// weight row is decoded once per four tokens instead of once per token (see `MatMul`).
/// Matrices that read the same input (Q, K, V; gate, up) share one activation quantisation and
/// one parallel job; attention is split across the pool by head (decode) or by token (prefill).
extension LlamaModel {
    /// Runs `token` at the state's next position and writes the logits into `state.logits`.
    /// - Throws: ``ModelError/tokenOutOfRange(_:)`` or ``ModelError/contextOverflow(needed:limit:)``.
    package func forward(_ token: Int32, state s: LlamaState) throws(ModelError) {
        let c = config
        guard token >= 0, Int(token) < c.vocabularySize else { throw .tokenOutOfRange(token) }
        guard s.position < s.capacity else { throw .contextOverflow(needed: s.position + 1, limit: s.capacity) }
        let pos = s.position
        let dim = c.dim, kvDim = c.kvDim, headDim = c.headDim, hidden = c.hiddenDim
        let x = s.x.baseAddress.unsafelyUnwrapped  // allocated with count ≥ 1 in LlamaState.init
        let xb = s.xb.baseAddress.unsafelyUnwrapped
        let xb2 = s.xb2.baseAddress.unsafelyUnwrapped
        let q = s.q.baseAddress.unsafelyUnwrapped
        let hb = s.hb.baseAddress.unsafelyUnwrapped
        let hb2 = s.hb2.baseAddress.unsafelyUnwrapped
        let rotation = s.rotation.baseAddress.unsafelyUnwrapped
        let activations = s.scratch.activations

        // Embedding (the token id was range-checked above).
        try? weights.tokenEmbedding.dequantizeRow(Int(token), into: s.x)
        LlamaOps.rotationAngles(rotation, position: pos, rotated: c.ropeDimensions, base: c.ropeBase)

        for (l, layer) in weights.layers.enumerated() {
            // Attention.
            LlamaOps.rmsNorm(xb, x, weight: layer.attentionNorm, count: dim, epsilon: c.rmsEpsilon)
            let cacheOffset = (l * s.capacity + pos) * kvDim
            let k = s.keyCache.baseAddress.unsafelyUnwrapped + cacheOffset
            let v = s.valueCache.baseAddress.unsafelyUnwrapped + cacheOffset
            LlamaOps.project(xb, tokens: 1, (layer.wq, q), (layer.wk, k), (layer.wv, v),
                             activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.rope(q, heads: c.heads, headDim: headDim, rotated: c.ropeDimensions, angles: rotation)
            LlamaOps.rope(k, heads: c.kvHeads, headDim: headDim, rotated: c.ropeDimensions, angles: rotation)

            let layerKeys = s.keyCache.baseAddress.unsafelyUnwrapped + l * s.capacity * kvDim
            let layerValues = s.valueCache.baseAddress.unsafelyUnwrapped + l * s.capacity * kvDim
            let att = s.att.baseAddress.unsafelyUnwrapped
            let capacity = s.capacity
            pool.pool.run(tasks: c.heads) { h in
                LlamaOps.attend(query: q + h * headDim, head: h, config: c, keys: layerKeys, values: layerValues,
                                count: pos + 1, scores: att + h * capacity, into: xb2 + h * headDim)
            }
            LlamaOps.matMul(xb, layer.wo, xb2, tokens: 1, activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.add(x, xb, count: dim)

            // Feed-forward (SwiGLU).
            LlamaOps.rmsNorm(xb, x, weight: layer.ffnNorm, count: dim, epsilon: c.rmsEpsilon)
            LlamaOps.project(xb, tokens: 1, (layer.gate, hb), (layer.up, hb2), nil,
                             activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.swiglu(hb, hb2, count: hidden)
            LlamaOps.matMul(xb, layer.down, hb, tokens: 1, activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.add(x, xb, count: dim)
        }

        LlamaOps.rmsNorm(x, x, weight: weights.outputNorm, count: dim, epsilon: c.rmsEpsilon)
        LlamaOps.matMul(s.logits.baseAddress.unsafelyUnwrapped, weights.output, x, tokens: 1,
                        activations: activations, scratch: s.scratch, pool: pool)
        s.position += 1
    }

    /// Runs `tokens` (a prompt, or the part of it not already cached) from the state's next
    /// position, in batches of up to `state.batchCapacity`, and leaves the logits of the last
    /// token in `state.logits`. Equivalent to calling ``forward(_:state:)`` for each token, but
    /// several times faster; `shouldStop` is polled between batches (a client that went away).
    /// - Throws: ``ModelError/tokenOutOfRange(_:)`` or ``ModelError/contextOverflow(needed:limit:)``,
    ///   before anything is computed; the state is unchanged then.
    package func prefill(_ tokens: ArraySlice<Int32>, state s: LlamaState,
                         shouldStop: () -> Bool = { false }) throws(ModelError) {
        guard !tokens.isEmpty else { return }
        for token in tokens where token < 0 || Int(token) >= config.vocabularySize { throw .tokenOutOfRange(token) }
        guard s.position + tokens.count <= s.capacity else {
            throw .contextOverflow(needed: s.position + tokens.count, limit: s.capacity)
        }
        var start = tokens.startIndex
        while start < tokens.endIndex {
            if shouldStop() { return }
            let end = min(tokens.endIndex, start + s.batchCapacity)
            let chunk = tokens[start..<end]
            if chunk.count == 1, let token = chunk.first {
                try forward(token, state: s)
            } else {
                forwardBatch(chunk, state: s, logits: end == tokens.endIndex)
            }
            start = end
        }
    }

    /// One batch of `2…batchCapacity` already-validated tokens.
    private func forwardBatch(_ tokens: ArraySlice<Int32>, state s: LlamaState, logits wantLogits: Bool) {
        let c = config
        let n = tokens.count
        let start = s.position
        let dim = c.dim, kvDim = c.kvDim, headDim = c.headDim, hidden = c.hiddenDim, rd = c.ropeDimensions
        let x = s.batchX.baseAddress.unsafelyUnwrapped
        let xb = s.batchXB.baseAddress.unsafelyUnwrapped
        let xb2 = s.batchXB2.baseAddress.unsafelyUnwrapped
        let q = s.batchQ.baseAddress.unsafelyUnwrapped
        let hb = s.batchHB.baseAddress.unsafelyUnwrapped
        let hb2 = s.batchHB2.baseAddress.unsafelyUnwrapped
        let rotation = s.batchRotation.baseAddress.unsafelyUnwrapped
        let att = s.batchAtt.baseAddress.unsafelyUnwrapped
        let activations = s.batchActivations
        let capacity = s.capacity

        for (i, token) in tokens.enumerated() {
            try? weights.tokenEmbedding.dequantizeRow(Int(token), into: UnsafeMutableBufferPointer(start: x + i * dim, count: dim))
            LlamaOps.rotationAngles(rotation + i * rd, position: start + i, rotated: rd, base: c.ropeBase)
        }

        for (l, layer) in weights.layers.enumerated() {
            for i in 0..<n {
                LlamaOps.rmsNorm(xb + i * dim, x + i * dim, weight: layer.attentionNorm, count: dim, epsilon: c.rmsEpsilon)
            }
            // K and V of the batch land in the cache directly: rows start…start+n−1 are contiguous.
            let layerKeys = s.keyCache.baseAddress.unsafelyUnwrapped + l * capacity * kvDim
            let layerValues = s.valueCache.baseAddress.unsafelyUnwrapped + l * capacity * kvDim
            LlamaOps.project(xb, tokens: n, (layer.wq, q), (layer.wk, layerKeys + start * kvDim),
                             (layer.wv, layerValues + start * kvDim), activations: activations, scratch: s.scratch, pool: pool)
            for i in 0..<n {
                LlamaOps.rope(q + i * dim, heads: c.heads, headDim: headDim, rotated: rd, angles: rotation + i * rd)
                LlamaOps.rope(layerKeys + (start + i) * kvDim, heads: c.kvHeads, headDim: headDim, rotated: rd,
                              angles: rotation + i * rd)
            }
            // Causal attention: token i sees positions 0…start+i.
            pool.pool.run(tasks: n) { i in
                for h in 0..<c.heads {
                    LlamaOps.attend(query: q + i * dim + h * headDim, head: h, config: c, keys: layerKeys, values: layerValues,
                                    count: start + i + 1, scores: att + i * capacity, into: xb2 + i * dim + h * headDim)
                }
            }
            LlamaOps.matMul(xb, layer.wo, xb2, tokens: n, activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.add(x, xb, count: n * dim)

            for i in 0..<n {
                LlamaOps.rmsNorm(xb + i * dim, x + i * dim, weight: layer.ffnNorm, count: dim, epsilon: c.rmsEpsilon)
            }
            LlamaOps.project(xb, tokens: n, (layer.gate, hb), (layer.up, hb2), nil,
                             activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.swiglu(hb, hb2, count: n * hidden)
            LlamaOps.matMul(xb, layer.down, hb, tokens: n, activations: activations, scratch: s.scratch, pool: pool)
            LlamaOps.add(x, xb, count: n * dim)
        }

        s.position += n
        guard wantLogits else { return }
        let last = x + (n - 1) * dim
        let out = s.x.baseAddress.unsafelyUnwrapped
        LlamaOps.rmsNorm(out, last, weight: weights.outputNorm, count: dim, epsilon: c.rmsEpsilon)
        LlamaOps.matMul(s.logits.baseAddress.unsafelyUnwrapped, weights.output, out, tokens: 1,
                        activations: s.scratch.activations, scratch: s.scratch, pool: pool)
    }
}
