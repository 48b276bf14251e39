import Foundation

/// One chosen token, with its log-probability and the most likely alternatives when asked for.
package struct SampledToken: Sendable, Equatable {
    package var id: Int32
    /// Natural log of the token's probability under the model's distribution (after penalties,
    /// before temperature and truncation), when ``SamplingParameters/logprobs`` is set.
    package var logprob: Float?
    /// The most likely tokens at this step, most likely first.
    package var topLogprobs: [(id: Int32, logprob: Float)]

    package static func == (lhs: SampledToken, rhs: SampledToken) -> Bool {
        lhs.id == rhs.id && lhs.logprob == rhs.logprob
            && lhs.topLogprobs.map(\.id) == rhs.topLogprobs.map(\.id)
            && lhs.topLogprobs.map(\.logprob) == rhs.topLogprobs.map(\.logprob)
    }
}

/// Chooses tokens: penalties → top-k → temperature → softmax → min-p → top-p → a seeded draw
/// (llama.cpp's default order). Buffers are allocated once, for the vocabulary size.
package struct Sampler {
    package let parameters: SamplingParameters
    private var random: RandomSource
    private var indices: [Int32]
    private var probabilities: [Float]
    private var counts: [Int32: Int32] = [:]

    package init(parameters: SamplingParameters, vocabularySize: Int) {
        self.parameters = parameters
        self.random = RandomSource(seed: parameters.seed ?? UInt64.random(in: 0...UInt64.max))
        self.indices = [Int32](repeating: 0, count: vocabularySize)
        self.probabilities = [Float](repeating: 0, count: vocabularySize)
    }

    /// Picks the next token.
    /// - Parameters:
    ///   - logits: `[vocab]` raw logits; modified in place by the penalties.
    ///   - history: the tokens so far (prompt and generated); the penalties see the last
    ///     ``SamplingParameters/penaltyWindow`` of them.
    package mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>, history: ArraySlice<Int32>) -> SampledToken {
        let vocabulary = min(logits.count, indices.count)
        applyPenalties(logits, history: history)
        let report = reportLogprobs(logits, vocabulary: vocabulary)
        let id: Int32
        if parameters.temperature <= 0 || parameters.topK == 1 {
            id = Int32(Self.argmax(logits, count: vocabulary))
        } else {
            id = draw(logits, vocabulary: vocabulary)
        }
        var token = SampledToken(id: id, logprob: nil, topLogprobs: report.top)
        if parameters.logprobs, let logSum = report.logSum, Int(id) < vocabulary {
            token.logprob = logits[Int(id)] - logSum
        }
        return token
    }

    /// Index of the largest of the first `count` values (the first one on ties, like llama.cpp).
    package static func argmax(_ values: UnsafeMutableBufferPointer<Float>, count: Int) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for index in 0..<count where values[index] > bestValue {
            bestValue = values[index]
            best = index
        }
        return best
    }

    // MARK: - Steps

    private mutating func applyPenalties(_ logits: UnsafeMutableBufferPointer<Float>, history: ArraySlice<Int32>) {
        let p = parameters
        guard p.repetitionPenalty != 1 || p.frequencyPenalty != 0 || p.presencePenalty != 0, p.penaltyWindow > 0 else {
            return
        }
        counts.removeAll(keepingCapacity: true)
        for token in history.suffix(p.penaltyWindow) where token >= 0 && Int(token) < logits.count {
            counts[token, default: 0] += 1
        }
        for (token, count) in counts {
            var logit = logits[Int(token)]
            if p.repetitionPenalty != 1 {
                logit = logit > 0 ? logit / p.repetitionPenalty : logit * p.repetitionPenalty
            }
            logit -= Float(count) * p.frequencyPenalty + p.presencePenalty
            logits[Int(token)] = logit
        }
    }

    /// The log of the softmax denominator and the top alternatives, when asked for.
    private func reportLogprobs(
        _ logits: UnsafeMutableBufferPointer<Float>, vocabulary: Int
    ) -> (logSum: Float?, top: [(id: Int32, logprob: Float)]) {
        guard parameters.logprobs || parameters.topLogprobs > 0 else { return (nil, []) }
        var maximum = -Float.infinity
        for index in 0..<vocabulary { maximum = max(maximum, logits[index]) }
        var sum: Float = 0
        for index in 0..<vocabulary { sum += expf(logits[index] - maximum) }
        let logSum = maximum + logf(sum)
        guard parameters.topLogprobs > 0 else { return (logSum, []) }
        let top = Self.topIndices(logits, count: vocabulary, k: min(parameters.topLogprobs, vocabulary))
        return (logSum, top.map { (Int32($0), logits[$0] - logSum) })
    }

    private mutating func draw(_ logits: UnsafeMutableBufferPointer<Float>, vocabulary: Int) -> Int32 {
        let p = parameters
        // Candidates: the top k, or all tokens.
        var count: Int
        if p.topK > 0 && p.topK < vocabulary {
            let top = Self.topIndices(logits, count: vocabulary, k: p.topK)
            count = top.count
            for (slot, index) in top.enumerated() { indices[slot] = Int32(index) }
        } else {
            count = vocabulary
            for index in 0..<vocabulary { indices[index] = Int32(index) }
        }
        // Temperature and softmax over the candidates.
        var maximum = -Float.infinity
        for slot in 0..<count { maximum = max(maximum, logits[Int(indices[slot])]) }
        let inverseTemperature = 1 / p.temperature
        var sum: Float = 0
        for slot in 0..<count {
            let value = expf((logits[Int(indices[slot])] - maximum) * inverseTemperature)
            probabilities[slot] = value
            sum += value
        }
        for slot in 0..<count { probabilities[slot] /= sum }
        // min-p: relative to the most likely candidate (probability 1/sum·e^0 after normalising).
        if p.minP > 0 {
            let floor = p.minP / sum
            var kept = 0
            for slot in 0..<count where probabilities[slot] >= floor {
                indices[kept] = indices[slot]
                probabilities[kept] = probabilities[slot]
                kept += 1
            }
            count = max(kept, 1)
        }
        // top-p: sort the candidates that can matter, most likely first, and cut.
        if p.topP < 1 {
            count = cutTopP(count: count, topP: p.topP)
        }
        var total: Float = 0
        for slot in 0..<count { total += probabilities[slot] }
        var target = random.nextUnit() * total
        for slot in 0..<count {
            target -= probabilities[slot]
            if target < 0 { return indices[slot] }
        }
        return indices[max(count - 1, 0)]
    }

    /// Keeps the smallest prefix (by probability) whose mass reaches `topP`. Only candidates above
    /// a threshold found by bisection are sorted, so a full vocabulary costs a few linear passes
    /// instead of a 49k-element sort.
    private mutating func cutTopP(count: Int, topP: Float) -> Int {
        var low: Float = 0
        var high: Float = 1
        for _ in 0..<24 {
            let middle = (low + high) / 2
            var mass: Float = 0
            for slot in 0..<count where probabilities[slot] >= middle { mass += probabilities[slot] }
            if mass >= topP { low = middle } else { high = middle }
        }
        var kept = 0
        for slot in 0..<count where probabilities[slot] >= low {
            indices.swapAt(kept, slot)
            probabilities.swapAt(kept, slot)
            kept += 1
        }
        var order = Array(0..<kept)
        order.sort { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && indices[$0] < indices[$1]) }
        let sortedIndices = order.map { indices[$0] }
        let sortedProbabilities = order.map { probabilities[$0] }
        var mass: Float = 0
        var cut = kept
        for slot in 0..<kept {
            indices[slot] = sortedIndices[slot]
            probabilities[slot] = sortedProbabilities[slot]
            mass += sortedProbabilities[slot]
            if mass >= topP, cut == kept { cut = slot + 1 }
        }
        return max(cut, 1)
    }

    /// Indices of the `k` largest values, largest first (ties: lower index first).
    package static func topIndices(_ values: UnsafeMutableBufferPointer<Float>, count: Int, k: Int) -> [Int] {
        guard k > 0 else { return [] }
        // A small sorted buffer beats a heap for the k used here (≤ 100).
        var top: [Int] = []
        top.reserveCapacity(k + 1)
        for index in 0..<count {
            let value = values[index]
            if top.count == k, let last = top.last, value <= values[last] { continue }
            var position = top.count
            while position > 0 && values[top[position - 1]] < value { position -= 1 }
            top.insert(index, at: position)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}
