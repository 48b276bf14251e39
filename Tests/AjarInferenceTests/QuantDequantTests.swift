import Testing

@testable import AjarInference

/// A small deterministic generator (KernelTestRandom) so failures reproduce.
struct KernelTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random weight blocks: random bytes, with every fp16 scale field overwritten by a sane value
/// (finite, |x| in 1e-4…0.1 as in real models), so the float results are meaningful.
enum RandomBlocks {
    static let quantizedTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    static func make(_ type: GGMLType, blocks: Int, seed: UInt64) -> [UInt8] {
        var rng = KernelTestRandom(seed: seed)
        var bytes = (0..<(blocks * type.blockBytes)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        func setHalf(_ offset: Int, signed: Bool) {
            var value = Float.random(in: 1e-4...0.1, using: &rng)
            if signed && Bool.random(using: &rng) { value = -value }
            let bits = Half.fromFloat(value)
            bytes[offset] = UInt8(bits & 0xFF)
            bytes[offset + 1] = UInt8(bits >> 8)
        }
        for b in 0..<blocks {
            let base = b * type.blockBytes
            switch type {
            case .q4_0, .q5_0, .q8_0: setHalf(base, signed: true)
            case .q4_1, .q5_1: setHalf(base, signed: true); setHalf(base + 2, signed: true)
            case .q4_K, .q5_K: setHalf(base, signed: false); setHalf(base + 2, signed: false)
            case .q6_K: setHalf(base + 208, signed: true)
            case .f16:
                setHalf(base, signed: true)
            case .bf16:
                let bits = Half.floatToBF16(Float.random(in: -2...2, using: &rng))
                bytes[base] = UInt8(bits & 0xFF)
                bytes[base + 1] = UInt8(bits >> 8)
            case .f32:
                let value = Float.random(in: -2...2, using: &rng)
                withUnsafeBytes(of: value) { for i in 0..<4 { bytes[base + i] = $0[i] } }
            default: break
            }
        }
        return bytes
    }
}

/// `Dequantize.row` over arrays.
func dequantize(_ type: GGMLType, _ bytes: [UInt8], _ count: Int, into out: inout [Float], reference: Bool) throws {
    try bytes.withUnsafeBytes { raw in
        try out.withUnsafeMutableBufferPointer { o in
            try Dequantize.row(type, try #require(raw.baseAddress), count: count, into: try #require(o.baseAddress), reference: reference)
        }
    }
}

func bitsEqual(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
}

@Suite struct QuantDequantTests {
    @Test("fast dequantisation equals the reference bit for bit",
          arguments: RandomBlocks.quantizedTypes + [GGMLType.f16, .bf16, .f32])
    func fastEqualsReference(type: GGMLType) throws {
        for (blocks, seed) in [(1, UInt64(1)), (3, 2), (7, 3)] {
            let elements = blocks * type.blockSize * (type.blockSize == 1 ? 37 : 1)
            let bytes = RandomBlocks.make(type, blocks: elements / type.blockSize, seed: seed &* 1000 &+ UInt64(type.rawValue))
            var fast = [Float](repeating: .nan, count: elements)
            var reference = [Float](repeating: .nan, count: elements)
            try dequantize(type, bytes, elements, into: &fast, reference: false)
            try dequantize(type, bytes, elements, into: &reference, reference: true)
            #expect(bitsEqual(fast, reference), "\(type), \(blocks) blocks")
            let allFinite = reference.allSatisfy { $0.isFinite }
            #expect(allFinite, "\(type)")
        }
    }

    @Test("unsupported types and partial blocks are refused")
    func refused() {
        var out = [Float](repeating: 0, count: 256)
        let bytes = [UInt8](repeating: 0, count: 1024)
        #expect(throws: KernelError.unsupportedType(.q2_K, operation: "dequantize")) {
            try dequantize(.q2_K, bytes, 256, into: &out, reference: false)
        }
        #expect(throws: KernelError.notBlockMultiple(what: "q4_1 row", count: 40, blockSize: 32)) {
            try dequantize(.q4_1, bytes, 40, into: &out, reference: false)
        }
    }
}

@Suite struct QuantHalfTests {
    @Test("half → float is exact for all 65536 bit patterns, fast, reference and Float16 agreeing")
    func halfToFloatExhaustive() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let fast = Half.toFloat(bits)
            let reference = Half.toFloatReference(bits)
            let same = { (a: Float, b: Float) in a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
            if !same(fast, expected) || !same(reference, expected) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // SIMD path over the same patterns, eight at a time.
        var simdMismatches = 0
        for start in stride(from: 0, through: 65528, by: 8) {
            let h = SIMD8<UInt16>((0..<8).map { UInt16(start + $0) })
            let v = Half.toFloat8(h)
            for k in 0..<8 where v[k].bitPattern != Half.toFloat(h[k]).bitPattern && !v[k].isNaN { simdMismatches += 1 }
        }
        #expect(simdMismatches == 0)
    }

    @Test("float → half rounds to nearest even like Float16, including subnormals, overflow and NaN")
    func floatToHalf() {
        var rng = KernelTestRandom(seed: 7)
        var values: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, 1e-8, 5.96e-8, 2.98e-8, 2.99e-8, 6.1e-5, .infinity, -.infinity,
                               .nan, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 0.1, 1.0009765625, 1.00048828125, 1.00146484375]
        for _ in 0..<100_000 { values.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))) }
        for _ in 0..<20_000 { values.append(Float.random(in: -70000...70000, using: &rng)) }
        var mismatches: [Float] = []
        for v in values {
            let expected = Float16(v)
            let got = Half.fromFloat(v)
            if expected.isNaN ? !Float16(bitPattern: got).isNaN : got != expected.bitPattern { mismatches.append(v) }
        }
        #expect(mismatches.isEmpty, "first: \(mismatches.prefix(5))")
    }

    @Test("bfloat16 conversions: exact widening, round-to-nearest-even narrowing, NaN stays NaN")
    func bf16() {
        #expect(Half.bf16ToFloat(0x3F80) == 1)
        #expect(Half.floatToBF16(1) == 0x3F80)
        #expect(Half.floatToBF16(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
        #expect(Half.floatToBF16(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie → even (up)
        #expect(Half.floatToBF16(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(Half.bf16ToFloat(Half.floatToBF16(.nan)).isNaN)
        #expect(Half.floatToBF16(.infinity) == 0x7F80)
    }
}
