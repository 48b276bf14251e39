import Testing

@testable import AjarInference

@Suite struct QuantActivationTests {
    /// Inputs with exact ties (x·id = k + 0.5), zeros, an all-zero block and large magnitudes.
    static func inputs(count: Int, seed: UInt64) -> [Float] {
        var rng = KernelTestRandom(seed: seed)
        var x = (0..<count).map { _ in Float.random(in: -3...3, using: &rng) }
        for i in stride(from: 0, to: min(count, 32), by: 1) { x[i] = 0 }  // block of zeros: d = 0
        if count >= 64 {
            x[32] = 127  // d = 1 exactly, so x = k + 0.5 are exact ties
            for j in 33..<64 { x[j] = Float(Int.random(in: -126...126, using: &rng)) + 0.5 }
        }
        return x
    }

    static func quantize(_ x: [Float], format: ActivationFormat, reference: Bool) throws -> QuantizedActivations {
        let activations = QuantizedActivations(maxColumns: x.count)
        try x.withUnsafeBufferPointer { try activations.quantize(try #require($0.baseAddress), columns: x.count, tokens: 1, format: format, reference: reference) }
        return activations
    }

    @Test("Q8_1: fast equals reference in quants, scales and sums", arguments: [32, 64, 96, 576, 1536])
    func q8_1FastEqualsReference(count: Int) throws {
        let x = Self.inputs(count: count, seed: UInt64(count))
        let fastBuffer = try Self.quantize(x, format: .q8_1, reference: false)
        let referenceBuffer = try Self.quantize(x, format: .q8_1, reference: true)
        defer { withExtendedLifetime((fastBuffer, referenceBuffer)) {} }
        let fast = fastBuffer.row(0), reference = referenceBuffer.row(0)
        let blocks = count / 32
        for i in 0..<count { #expect(fast.q8_1Value(at: i) == reference.q8_1Value(at: i), "element \(i)") }
        for b in 0..<blocks {
            #expect(fast.scales[b].bitPattern == reference.scales[b].bitPattern, "scale \(b)")
            #expect(fast.sums[b].bitPattern == reference.sums[b].bitPattern, "sum \(b)")
            for lane in 0..<4 { #expect(reference.pairScales[(b / 2) * 8 + (b % 2) * 4 + lane] == reference.scales[b]) }
        }
        // Semantics: |q| ≤ 127, ties round away from zero, the zero block has d = 0.
        #expect(reference.scales[0] == 0)
        if count >= 64 {
            #expect(reference.scales[1] == 1)
            for j in 33..<64 {
                let expected = Int32(x[j].rounded(.toNearestOrAwayFromZero))
                #expect(reference.q8_1Value(at: j) == expected, "tie at \(j): \(x[j])")
            }
        }
    }

    @Test("Q8_1: s is fp16(d·Σq) with the unrounded d")
    func q8_1Sum() throws {
        let x: [Float] = (0..<32).map { Float($0) * 0.37 - 5 }
        let buffer = try Self.quantize(x, format: .q8_1, reference: true)
        defer { withExtendedLifetime(buffer) {} }
        let row = buffer.row(0)
        let amax = x.map(abs).max() ?? 0
        let d = amax / 127
        let sum = (0..<32).reduce(Int32(0)) { $0 + row.q8_1Value(at: $1) }
        #expect(row.sums[0] == Half.toFloat(Half.fromFloat(Float(sum) * d)))
        #expect(row.scales[0] == Half.toFloat(Half.fromFloat(d)))
    }

    @Test("Q8_K: fast equals reference in quants, scales and group sums", arguments: [256, 512, 1536])
    func q8_KFastEqualsReference(count: Int) throws {
        var x = Self.inputs(count: count, seed: 99 &+ UInt64(count))
        x[300 % count] = -4  // a negative extreme: d comes out positive
        let fastBuffer = try Self.quantize(x, format: .q8_K, reference: false)
        let referenceBuffer = try Self.quantize(x, format: .q8_K, reference: true)
        defer { withExtendedLifetime((fastBuffer, referenceBuffer)) {} }
        let fast = fastBuffer.row(0), reference = referenceBuffer.row(0)
        for i in 0..<count { #expect(fast.q8_KValue(at: i) == reference.q8_KValue(at: i), "element \(i)") }
        for b in 0..<(count / 256) { #expect(fast.scales[b].bitPattern == reference.scales[b].bitPattern, "scale \(b)") }
        for g in 0..<(count / 16) {
            #expect(fast.groupSums[g] == reference.groupSums[g], "group \(g)")
            let sum = (0..<16).reduce(Int32(0)) { $0 + reference.q8_KValue(at: 16 * g + $1) }
            #expect(Int32(reference.groupSums[g]) == sum)
        }
    }

    @Test("Q8_K follows ggml: iscale = −127/max with max's sign, d = 1/iscale, ties to even")
    func q8_KSemantics() throws {
        var x = [Float](repeating: 0, count: 256)
        x[5] = 2  // the max: iscale = −63.5, d = −1/63.5
        x[6] = 1.0 / 127  // 1/127 · −63.5 = −0.5 → ties to even → 0
        x[7] = 3.0 / 127  // −1.5 → −2
        x[8] = -2  // → 127
        let buffer = try Self.quantize(x, format: .q8_K, reference: true)
        defer { withExtendedLifetime(buffer) {} }
        let row = buffer.row(0)
        #expect(row.scales[0] == 1 / (-127 / Float(2)))
        #expect(row.q8_KValue(at: 5) == -127)
        #expect(row.q8_KValue(at: 6) == 0)
        #expect(row.q8_KValue(at: 7) == -2)
        #expect(row.q8_KValue(at: 8) == 127)
        let zeroBuffer = try Self.quantize([Float](repeating: 0, count: 256), format: .q8_K, reference: false)
        #expect(zeroBuffer.row(0).scales[0] == 0 && zeroBuffer.row(0).groupSums[0] == 0)
    }

    @Test("the storage orders are permutations of each block")
    func storageOrders() {
        let q8_1 = Set((0..<128).map(Q8_1Activation.storageIndex(of:)))
        #expect(q8_1 == Set(0..<128))
        let q8_K = Set((0..<512).map(Q8_KActivation.storageIndex(of:)))
        #expect(q8_K == Set(0..<512))
        // Pairs of 32-blocks: run 0 of block 0 starts at 0, of block 1 at 8; run 2 (odd elements) at 32.
        #expect(Q8_1Activation.storageIndex(of: 0) == 0 && Q8_1Activation.storageIndex(of: 32) == 8)
        #expect(Q8_1Activation.storageIndex(of: 1) == 32 && Q8_1Activation.storageIndex(of: 16) == 16)
        #expect(Q8_KActivation.storageIndex(of: 1) == 16 && Q8_KActivation.storageIndex(of: 2) == 1)
    }

    @Test("SIMD round-half-away-from-zero equals roundf on ties, near-ties and random values")
    func roundingHelper() {
        var rng = KernelTestRandom(seed: 5)
        var values: [Float] = [0.5, -0.5, 1.5, -1.5, 2.5, 0.49999997, -0.49999997, 126.5, -126.5, 127.49999, 0, -0.0, 1e-30]
        for k in -200...200 { values.append(Float(k) + 0.5); values.append((Float(k) + 0.5).nextDown); values.append((Float(k) + 0.5).nextUp) }
        for _ in 0..<20_000 { values.append(Float.random(in: -130...130, using: &rng)) }
        while values.count % 8 != 0 { values.append(0) }
        for start in stride(from: 0, to: values.count, by: 8) {
            let v = SIMD8<Float>(values[start..<(start + 8)])
            let fast = roundHalfAwayFromZero(v)
            let even = roundToNearestEven(v)
            for k in 0..<8 {
                #expect(fast[k] == Int32(v[k].rounded(.toNearestOrAwayFromZero)), "\(v[k])")
                #expect(even[k] == Int32(v[k].rounded(.toNearestOrEven)), "\(v[k])")
            }
        }
    }

    @Test("too many columns or tokens, or a partial block, are refused")
    func capacity() {
        let activations = QuantizedActivations(maxColumns: 256, maxTokens: 2)
        let x = [Float](repeating: 1, count: 1024)
        x.withUnsafeBufferPointer { buffer in
            guard let p = buffer.baseAddress else { return }
            #expect(throws: KernelError.activationCapacity(columns: 512, tokens: 1, maxColumns: 256, maxTokens: 2)) {
                try activations.quantize(p, columns: 512, tokens: 1, format: .q8_1)
            }
            #expect(throws: KernelError.activationCapacity(columns: 256, tokens: 3, maxColumns: 256, maxTokens: 2)) {
                try activations.quantize(p, columns: 256, tokens: 3, format: .q8_1)
            }
            #expect(throws: KernelError.notBlockMultiple(what: "activation row", count: 96, blockSize: 256)) {
                try activations.quantize(p, columns: 96, tokens: 1, format: .q8_K)
            }
        }
    }
}
