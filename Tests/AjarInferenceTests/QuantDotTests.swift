import Testing

@testable import AjarInference

/// The integer dot products: fast against the scalar reference, both against a float dot of the
/// dequantised operands, and bit-exact where the result is an exact integer.
@Suite struct QuantDotTests {
    /// Calls `body` with the format implementing `type`.
    static func withFormat<R>(_ type: GGMLType, _ body: (any QuantizedFormat.Type) throws -> R) throws -> R {
        switch type {
        case .q4_0: try body(Q4_0.self)
        case .q4_1: try body(Q4_1.self)
        case .q5_0: try body(Q5_0.self)
        case .q5_1: try body(Q5_1.self)
        case .q8_0: try body(Q8_0.self)
        case .q4_K: try body(Q4_K.self)
        case .q5_K: try body(Q5_K.self)
        case .q6_K: try body(Q6_K.self)
        default: throw KernelError.unsupportedType(type, operation: "test")
        }
    }

    /// Activations for `tokens` rows of `count` elements, quantised by the fast path.
    static func activations(_ format: ActivationFormat, count: Int, tokens: Int, seed: UInt64) throws -> (QuantizedActivations, [Float]) {
        var rng = KernelTestRandom(seed: seed)
        let x = (0..<(count * tokens)).map { _ in Float.random(in: -2...2, using: &rng) }
        let buffer = QuantizedActivations(maxColumns: count, maxTokens: tokens)
        try x.withUnsafeBufferPointer { try buffer.quantize(try #require($0.baseAddress), columns: count, tokens: tokens, format: format) }
        return (buffer, x)
    }

    /// The activations as the kernels see them: d·q per element.
    static func dequantizedActivations(_ row: QuantizedRow, _ format: ActivationFormat, count: Int) -> [Float] {
        (0..<count).map { i in
            format == .q8_1 ? row.scales[i / 32] * Float(row.q8_1Value(at: i)) : row.scales[i / 256] * Float(row.q8_KValue(at: i))
        }
    }

    @Test("fast dot ≈ reference dot ≈ float dot of the dequantised operands; dot4 = dot",
          arguments: RandomBlocks.quantizedTypes)
    func fastMatchesReference(type: GGMLType) throws {
        try Self.withFormat(type) { format in
            for blocks in (type.blockSize == 32 ? [1, 2, 3, 18, 48] : [1, 2, 3]) {
                let count = blocks * type.blockSize
                let weights = RandomBlocks.make(type, blocks: blocks, seed: UInt64(blocks) &* 31 &+ UInt64(type.rawValue))
                var w = [Float](repeating: 0, count: count)
                try dequantize(type, weights, count, into: &w, reference: true)
                let (buffer, _) = try Self.activations(format.activationFormat, count: count, tokens: 5, seed: UInt64(blocks))
                try withExtendedLifetime(buffer) {
                    try weights.withUnsafeBytes { raw in
                        let base = try #require(raw.baseAddress)
                        let four = format.dot4(base, buffer.batch, token: 1, blocks: blocks)
                        for t in 0..<5 {
                            let row = buffer.row(t)
                            let fast = format.dot(base, row, blocks: blocks)
                            let reference = format.dotReference(base, row, blocks: blocks)
                            let a = Self.dequantizedActivations(row, format.activationFormat, count: count)
                            let magnitude = zip(w, a).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                            let exact = zip(w, a).reduce(Double(0)) { $0 + Double($1.0) * Double($1.1) }
                            #expect(abs(fast - reference) <= 2e-6 * magnitude + 1e-30, "\(type) \(blocks) blocks: \(fast) vs \(reference)")
                            // Q4_1/Q5_1 carry the minimum through s = fp16(d·Σq): allow its rounding.
                            #expect(abs(Double(reference) - exact) <= 1e-3 * Double(magnitude) + 1e-30,
                                    "\(type) \(blocks) blocks: \(reference) vs float \(exact)")
                            if (1...4).contains(t) {
                                #expect(four[t - 1].bitPattern == fast.bitPattern, "\(type) dot4 lane \(t - 1)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("with unit scales the fast and reference dots are the exact integer sum", arguments: RandomBlocks.quantizedTypes)
    func exactWithUnitScales(type: GGMLType) throws {
        try Self.withFormat(type) { format in
            let blocks = type.blockSize == 32 ? 5 : 2
            let count = blocks * type.blockSize
            var weights = RandomBlocks.make(type, blocks: blocks, seed: 77 &+ UInt64(type.rawValue))
            let one = Half.fromFloat(1)
            func setHalf(_ offset: Int, _ bits: UInt16) { weights[offset] = UInt8(bits & 0xFF); weights[offset + 1] = UInt8(bits >> 8) }
            for b in 0..<blocks {
                let base = b * type.blockBytes
                switch type {
                case .q4_1, .q5_1: setHalf(base, one); setHalf(base + 2, 0)
                case .q4_K, .q5_K: setHalf(base, one); setHalf(base + 2, one)
                case .q6_K: setHalf(base + 208, one)
                default: setHalf(base, one)
                }
            }
            var w = [Float](repeating: 0, count: count)
            try dequantize(type, weights, count, into: &w, reference: true)
            // Activations with scale 1 and small integers, so every sum stays exact in a Float.
            var rng = KernelTestRandom(seed: 12)
            let values = (0..<count).map { _ in Int16.random(in: -60...60, using: &rng) }
            let buffer = QuantizedActivations(maxColumns: count)
            let row = buffer.row(0)
            for i in 0..<count {
                let index = format.activationFormat == .q8_1 ? Q8_1Activation.storageIndex(of: i) : Q8_KActivation.storageIndex(of: i)
                row.values[index] = values[i]
            }
            for b in 0..<(count / format.activationFormat.blockSize) { row.scales[b] = 1 }
            for i in 0..<((count / 32 + 1) / 2 * 8) { row.pairScales[i] = 1 }
            for b in 0..<(count / 32) { row.sums[b] = Float(values[(32 * b)..<(32 * b + 32)].reduce(0) { $0 + Int($1) }) }
            for g in 0..<(count / 16) { row.groupSums[g] = values[(16 * g)..<(16 * g + 16)].reduce(0, +) }
            let expected = zip(w, values).reduce(Float(0)) { $0 + $1.0 * Float($1.1) }  // small integers: exact
            try withExtendedLifetime(buffer) {
                try weights.withUnsafeBytes { raw in
                    let base = try #require(raw.baseAddress)
                    #expect(format.dot(base, row, blocks: blocks) == expected, "\(type) fast")
                    #expect(format.dotReference(base, row, blocks: blocks) == expected, "\(type) reference")
                }
            }
        }
    }

    @Test("float weight dots: fast ≈ reference", arguments: [GGMLType.f32, .f16, .bf16])
    func floatDots(type: GGMLType) throws {
        for count in [1, 7, 8, 17, 576] {
            let weights = RandomBlocks.make(type, blocks: count, seed: UInt64(count))
            var rng = KernelTestRandom(seed: 3)
            let x = (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
            try weights.withUnsafeBytes { raw in
                try x.withUnsafeBufferPointer { xs in
                    let base = try #require(raw.baseAddress), xp = try #require(xs.baseAddress)
                    let fast = FloatFormats.dot(type, base, xp, count: count)
                    let reference = FloatFormats.dotReference(type, base, xp, count: count)
                    #expect(abs(fast - reference) <= 1e-5 * Float(count), "\(type) \(count)")
                }
            }
        }
    }
}
