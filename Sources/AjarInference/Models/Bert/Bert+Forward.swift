// Port of Hugging Face transformers' `BertModel` forward pass (modeling_bert.py: BertEmbeddings,
// BertSelfAttention, BertSelfOutput, BertIntermediate, BertOutput; post-LayerNorm blocks) followed by
// sentence-transformers' `Pooling` (mean over the attention mask) and `Normalize` modules.
//
// Batching without padding: the sequences of a batch are laid end to end ("packed"), every
// token-wise step (embeddings, the linear layers, LayerNorm, GELU) runs over all tokens at once, and
// attention runs per sequence over that sequence's own tokens only. This computes exactly what the
// reference computes with right-padding and an attention mask (masked keys get weight e^−∞ = 0 and
// padded queries are discarded by the masked mean), without spending work on padding.

import Foundation

/// Activation buffers for a batch of up to `capacity` tokens, reused across calls.
final class BertScratch {
    private(set) var capacity = 0
    /// `[tokens][dim]` hidden state.
    private(set) var x: UnsafeMutablePointer<Float>
    /// `[tokens][3·dim]` query ‖ key ‖ value.
    private(set) var qkv: UnsafeMutablePointer<Float>
    /// `[tokens][dim]` attention output (heads side by side).
    private(set) var context: UnsafeMutablePointer<Float>
    /// `[tokens][dim]` pre-LayerNorm sum.
    private(set) var h: UnsafeMutablePointer<Float>
    /// `[tokens][hiddenDim]` feed-forward activations.
    private(set) var f: UnsafeMutablePointer<Float>
    let dim: Int
    let hiddenDim: Int

    init(dim: Int, hiddenDim: Int) {
        self.dim = dim
        self.hiddenDim = hiddenDim
        x = Self.allocate(0)
        qkv = Self.allocate(0)
        context = Self.allocate(0)
        h = Self.allocate(0)
        f = Self.allocate(0)
    }

    deinit {
        for buffer in [x, qkv, context, h, f] { buffer.deallocate() }
    }

    /// Makes room for `tokens` tokens.
    func reserve(tokens: Int) {
        guard tokens > capacity else { return }
        for buffer in [x, qkv, context, h, f] { buffer.deallocate() }
        capacity = max(tokens, 64)
        x = Self.allocate(capacity * dim)
        qkv = Self.allocate(capacity * 3 * dim)
        context = Self.allocate(capacity * dim)
        h = Self.allocate(capacity * dim)
        f = Self.allocate(capacity * hiddenDim)
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(64, 4 * count), alignment: 64)
            .bindMemory(to: Float.self, capacity: max(16, count))
    }
}

/// The encoder: configuration plus weights; `forward` is a pure function of its inputs.
package struct BertEncoder: Sendable {
    package let config: BertConfig
    package let weights: BertWeights

    /// Sentence embeddings of `sequences` (token ids already validated: in the vocabulary, 1 to
    /// `maxPositions` tokens each).
    /// - Returns: `[sequences.count][dim]`, mean-pooled and, if the model says so, L2-normalised.
    func forward(_ sequences: [[Int]], scratch: BertScratch, pool: ThreadPool?) -> [[Float]] {
        let dim = config.dim
        let tokens = sequences.reduce(0) { $0 + $1.count }
        scratch.reserve(tokens: tokens)
        var starts: [Int] = []
        var offset = 0
        for sequence in sequences {
            starts.append(offset)
            offset += sequence.count
        }
        let x = scratch.x, qkv = scratch.qkv, context = scratch.context, h = scratch.h, f = scratch.f

        // Embeddings: word + absolute position + token type 0, then LayerNorm.
        weights.wordEmbeddings.withUnsafeBufferPointer { word in
            weights.positionEmbeddings.withUnsafeBufferPointer { position in
                weights.tokenTypeEmbeddings.withUnsafeBufferPointer { type in
                    guard let word = word.baseAddress, let position = position.baseAddress,
                        let type = type.baseAddress
                    else { return }
                    for (s, sequence) in sequences.enumerated() {
                        for (p, id) in sequence.enumerated() {
                            let row = x + (starts[s] + p) * dim
                            // Bounds: ids < vocabularySize and p < maxPositions, checked by the caller.
                            let w = word + id * dim, e = position + p * dim
                            for i in 0..<dim { row[i] = w[i] + e[i] + type[i] }
                        }
                    }
                }
            }
        }
        layerNorm(x, output: x, rows: tokens, weight: weights.embeddingNormWeight, bias: weights.embeddingNormBias,
                  pool: pool)

        for layer in weights.layers {
            layer.qkvBias.withUnsafeBufferPointer { bias in
                GEMM32.multiply(a: x, m: tokens, lda: dim, w: layer.qkv, bias: bias.baseAddress, c: qkv, ldc: 3 * dim,
                                pool: pool)
            }
            attention(qkv: qkv, output: context, sequences: sequences, starts: starts, pool: pool)
            layer.attentionOutputBias.withUnsafeBufferPointer { bias in
                GEMM32.multiply(a: context, m: tokens, lda: dim, w: layer.attentionOutput, bias: bias.baseAddress,
                                c: h, ldc: dim, epilogue: .addResidual(x), pool: pool)
            }
            layerNorm(h, output: x, rows: tokens, weight: layer.attentionNormWeight, bias: layer.attentionNormBias,
                      pool: pool)
            layer.upBias.withUnsafeBufferPointer { bias in
                GEMM32.multiply(a: x, m: tokens, lda: dim, w: layer.up, bias: bias.baseAddress, c: f,
                                ldc: config.hiddenDim, epilogue: .gelu, pool: pool)
            }
            layer.downBias.withUnsafeBufferPointer { bias in
                GEMM32.multiply(a: f, m: tokens, lda: config.hiddenDim, w: layer.down, bias: bias.baseAddress, c: h,
                                ldc: dim, epilogue: .addResidual(x), pool: pool)
            }
            layerNorm(h, output: x, rows: tokens, weight: layer.outputNormWeight, bias: layer.outputNormBias,
                      pool: pool)
        }

        // Mean pooling over each sequence's tokens (all unmasked), then L2 normalisation.
        var result: [[Float]] = []
        result.reserveCapacity(sequences.count)
        for (s, sequence) in sequences.enumerated() {
            var sum = [Double](repeating: 0, count: dim)
            for p in 0..<sequence.count {
                let row = x + (starts[s] + p) * dim
                for i in 0..<dim { sum[i] += Double(row[i]) }
            }
            let count = Double(max(1, sequence.count))
            var vector = sum.map { Float($0 / count) }
            if config.normalizes {
                // sentence-transformers: x / max(‖x‖, 1e-12).
                let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                let scale = Float(1 / max(norm, 1e-12))
                for i in 0..<dim { vector[i] *= scale }
            }
            result.append(vector)
        }
        return result
    }

    /// Multi-head self-attention of each sequence over its own tokens:
    /// `output[t][head] = softmax(q·kᵀ/√headDim) · v`, one task per sequence (all its heads, so the
    /// sequence's rows of `qkv` are fetched into cache once, not once per head: per (sequence, head)
    /// tasks spent most of their time waiting for memory).
    ///
    /// Each head's keys are first copied transposed, `kt[headDim][paddedLength]`, so that a query's
    /// scores against all keys are eight keys per vector operation with no horizontal sums.
    private func attention(
        qkv: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, sequences: [[Int]], starts: [Int],
        pool: ThreadPool?
    ) {
        if MultiplyAddSelection.usesFused {
            attention(FusedMultiplyAdd.self, qkv: qkv, output: output, sequences: sequences, starts: starts, pool: pool)
        } else {
            attention(SeparateMultiplyAdd.self, qkv: qkv, output: output, sequences: sequences, starts: starts, pool: pool)
        }
    }

    /// `attention` with the multiply-add form fixed (see `MultiplyAdd`).
    private func attention<M: MultiplyAdd>(
        _ form: M.Type, qkv: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, sequences: [[Int]],
        starts: [Int], pool: ThreadPool?
    ) {
        let dim = config.dim, heads = config.headCount, headDim = config.headDim
        let stride = 3 * dim
        let scale = 1 / Float(headDim).squareRoot()
        let lengths = sequences.map(\.count)
        let tasks = sequences.count
        let body: (Int) -> Void = { s in
            let length = lengths[s], start = starts[s]
            let padded = (length + 7) / 8 * 8
            // kt [headDim][padded], then scores [4][padded] for four queries at a time.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: padded * (headDim + 4)) { buffer in
                guard let kt = buffer.baseAddress else { return }
                let scores = kt + headDim * padded
                let rawKT = UnsafeRawPointer(kt), rawScores = UnsafeMutableRawPointer(scores)
                for head in 0..<heads {
                    for j in 0..<padded {
                        if j < length {
                            let k = qkv + (start + j) * stride + dim + head * headDim
                            for d in 0..<headDim { kt[d * padded + j] = k[d] }
                        } else {
                            for d in 0..<headDim { kt[d * padded + j] = 0 }
                        }
                    }
                    // Four queries per pass: four independent accumulator chains, one load of each
                    // key/value vector for all four. A last, short group repeats its final query.
                    var i = 0
                    while i < length {
                        let group = min(4, length - i)
                        let q0 = qkv + (start + i) * stride + head * headDim
                        let q1 = qkv + (start + i + min(1, group - 1)) * stride + head * headDim
                        let q2 = qkv + (start + i + min(2, group - 1)) * stride + head * headDim
                        let q3 = qkv + (start + i + min(3, group - 1)) * stride + head * headDim
                        var c = 0
                        while c < padded {
                            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                            for d in 0..<headDim {
                                let k = rawKT.load(fromByteOffset: 4 * (d * padded + c), as: SIMD8<Float>.self)
                                a0 = M.apply(a0, SIMD8(repeating: q0[d]), k)
                                a1 = M.apply(a1, SIMD8(repeating: q1[d]), k)
                                a2 = M.apply(a2, SIMD8(repeating: q2[d]), k)
                                a3 = M.apply(a3, SIMD8(repeating: q3[d]), k)
                            }
                            rawScores.storeBytes(of: a0 * scale, toByteOffset: 4 * c, as: SIMD8<Float>.self)
                            rawScores.storeBytes(of: a1 * scale, toByteOffset: 4 * (padded + c), as: SIMD8<Float>.self)
                            rawScores.storeBytes(of: a2 * scale, toByteOffset: 4 * (2 * padded + c), as: SIMD8<Float>.self)
                            rawScores.storeBytes(of: a3 * scale, toByteOffset: 4 * (3 * padded + c), as: SIMD8<Float>.self)
                            c += 8
                        }
                        for g in 0..<group {
                            Softmax.apply(UnsafeMutableBufferPointer(start: scores + g * padded, count: length))
                        }
                        // out = Σ_j p_j·v_j, eight lanes of the head at a time, in registers.
                        let values = UnsafeRawPointer(qkv + start * stride + 2 * dim + head * headDim)
                        let p0 = scores, p1 = scores + min(1, group - 1) * padded
                        let p2 = scores + min(2, group - 1) * padded, p3 = scores + min(3, group - 1) * padded
                        var lane = 0
                        while lane + 8 <= headDim {
                            var o0 = SIMD8<Float>(), o1 = SIMD8<Float>(), o2 = SIMD8<Float>(), o3 = SIMD8<Float>()
                            for j in 0..<length {
                                let v = values.loadUnaligned(fromByteOffset: 4 * (j * stride + lane), as: SIMD8<Float>.self)
                                o0 = M.apply(o0, SIMD8(repeating: p0[j]), v)
                                o1 = M.apply(o1, SIMD8(repeating: p1[j]), v)
                                o2 = M.apply(o2, SIMD8(repeating: p2[j]), v)
                                o3 = M.apply(o3, SIMD8(repeating: p3[j]), v)
                            }
                            let out = UnsafeMutableRawPointer(output + (start + i) * dim + head * headDim + lane)
                            let row = 4 * dim
                            out.storeBytes(of: o0, toByteOffset: 0, as: SIMD8<Float>.self)
                            if group > 1 { out.storeBytes(of: o1, toByteOffset: row, as: SIMD8<Float>.self) }
                            if group > 2 { out.storeBytes(of: o2, toByteOffset: 2 * row, as: SIMD8<Float>.self) }
                            if group > 3 { out.storeBytes(of: o3, toByteOffset: 3 * row, as: SIMD8<Float>.self) }
                            lane += 8
                        }
                        while lane < headDim {
                            for g in 0..<group {
                                var sum: Float = 0
                                for j in 0..<length {
                                    sum += scores[g * padded + j] * qkv[(start + j) * stride + 2 * dim + head * headDim + lane]
                                }
                                output[(start + i + g) * dim + head * headDim + lane] = sum
                            }
                            lane += 1
                        }
                        i += group
                    }
                }
            }
        }
        if let pool {
            pool.run(tasks: tasks, body)
        } else {
            for task in 0..<tasks { body(task) }
        }
    }

    /// `output[r] = (input[r] − mean) / √(var + ε) · weight + bias` for each row (may be in place).
    private func layerNorm(
        _ input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Int, weight: [Float],
        bias: [Float], pool: ThreadPool?
    ) {
        let dim = config.dim, epsilon = config.layerNormEpsilon
        let rowsPerTask = 32
        let tasks = (rows + rowsPerTask - 1) / rowsPerTask
        weight.withUnsafeBufferPointer { weight in
            bias.withUnsafeBufferPointer { bias in
                guard let gamma = weight.baseAddress, let beta = bias.baseAddress else { return }
                let body: (Int) -> Void = { task in
                    for r in (task * rowsPerTask)..<min(rows, (task + 1) * rowsPerTask) {
                        LayerNorm.apply(input + r * dim, output: output + r * dim, count: dim, weight: gamma,
                                        bias: beta, epsilon: epsilon)
                    }
                }
                if let pool {
                    pool.run(tasks: tasks, body)
                } else {
                    for task in 0..<tasks { body(task) }
                }
            }
        }
    }
}
