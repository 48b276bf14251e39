import Foundation
import Testing

@testable import AjarInference

/// The F32 GEMM and the encoder's element-wise kernels against scalar references.
@Suite struct KernelGEMM32Tests {
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = KernelTestRandom(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    static let pools: [ThreadPool?] = [nil, ThreadPool(threadCount: 2), ThreadPool(threadCount: 3)]

    /// (m, n, k): full and partial micro-tiles (m % 6), partial panels (n % 16), k across cache blocks.
    static let shapes: [(Int, Int, Int)] = [
        (1, 16, 8), (6, 16, 32), (7, 20, 300), (13, 48, 256), (100, 130, 513), (97, 384, 64), (5, 3, 1),
    ]

    @Test("A·Wᵀ + bias equals the double-precision reference, on 1, 2 and 3 threads", arguments: shapes)
    func matchesReference(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        let a = Self.random(m * k, seed: 1), w = Self.random(n * k, seed: 2), bias = Self.random(n, seed: 3)
        let expected = GEMM32.reference(a: a, m: m, k: k, w: w, n: n, bias: bias)
        let packed = w.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, n: n, k: k) }
        for pool in Self.pools {
            // ldc > n: columns past n must stay untouched.
            let ldc = n + 3
            var c = [Float](repeating: 42, count: m * ldc)
            try a.withUnsafeBufferPointer { a in
                try bias.withUnsafeBufferPointer { bias in
                    try c.withUnsafeMutableBufferPointer { c in
                        GEMM32.multiply(a: try #require(a.baseAddress), m: m, lda: k, w: packed, bias: bias.baseAddress,
                                        c: try #require(c.baseAddress), ldc: ldc, pool: pool)
                    }
                }
            }
            var worst: Float = 0
            for i in 0..<m {
                for j in 0..<n { worst = max(worst, abs(c[i * ldc + j] - expected[i * n + j])) }
                for j in n..<ldc { #expect(c[i * ldc + j] == 42) }
            }
            #expect(worst <= 2e-5 * Float(k).squareRoot(), "m=\(m) n=\(n) k=\(k) threads=\(pool?.threadCount ?? 1): \(worst)")
        }
    }

    @Test("both multiply-add forms (fused, and multiply then add) give the reference result")
    func bothForms() throws {
        let (m, n, k) = (13, 40, 300)
        let a = Self.random(m * k, seed: 11), w = Self.random(n * k, seed: 12), bias = Self.random(n, seed: 13)
        let expected = GEMM32.reference(a: a, m: m, k: k, w: w, n: n, bias: bias)
        let packed = w.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, n: n, k: k) }
        for fused in [true, false] {
            var c = [Float](repeating: 0, count: m * n)
            try a.withUnsafeBufferPointer { a in
                try bias.withUnsafeBufferPointer { bias in
                    try c.withUnsafeMutableBufferPointer { c in
                        let pa = try #require(a.baseAddress), pc = try #require(c.baseAddress)
                        if fused {
                            GEMM32.multiply(FusedMultiplyAdd.self, a: pa, m: m, lda: k, w: packed, bias: bias.baseAddress,
                                            c: pc, ldc: n, epilogue: .gelu, pool: Self.pools[1])
                        } else {
                            GEMM32.multiply(SeparateMultiplyAdd.self, a: pa, m: m, lda: k, w: packed,
                                            bias: bias.baseAddress, c: pc, ldc: n, epilogue: .gelu, pool: Self.pools[1])
                        }
                    }
                }
            }
            for i in 0..<(m * n) { #expect(abs(c[i] - Activation.geluReference(expected[i])) < 1e-4, "fused \(fused)") }
        }
        var x: Float = -5
        while x < 5 {
            let lanes = SIMD8<Float>(repeating: x)
            let f = Activation.erf(lanes, using: FusedMultiplyAdd.self)[0]
            let s = Activation.erf(lanes, using: SeparateMultiplyAdd.self)[0]
            #expect(abs(Double(f) - Foundation.erf(Double(x))) < 5e-7 && abs(Double(s) - Foundation.erf(Double(x))) < 5e-7)
            x += 0.013
        }
    }

    @Test("the GELU and residual epilogues apply after the bias", arguments: [(7, 20, 40), (12, 32, 300)])
    func epilogues(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        let a = Self.random(m * k, seed: 4), w = Self.random(n * k, seed: 5), bias = Self.random(n, seed: 6)
        let residual = Self.random(m * n, seed: 7)
        let linear = GEMM32.reference(a: a, m: m, k: k, w: w, n: n, bias: bias)
        let packed = w.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, n: n, k: k) }
        var gelu = [Float](repeating: 0, count: m * n)
        var added = [Float](repeating: 0, count: m * n)
        try a.withUnsafeBufferPointer { a in
            try bias.withUnsafeBufferPointer { bias in
                try residual.withUnsafeBufferPointer { residual in
                    let pa = try #require(a.baseAddress), pr = try #require(residual.baseAddress)
                    try gelu.withUnsafeMutableBufferPointer { c in
                        GEMM32.multiply(a: pa, m: m, lda: k, w: packed, bias: bias.baseAddress, c: try #require(c.baseAddress),
                                        ldc: n, epilogue: .gelu, pool: Self.pools[1])
                    }
                    try added.withUnsafeMutableBufferPointer { c in
                        GEMM32.multiply(a: pa, m: m, lda: k, w: packed, bias: bias.baseAddress, c: try #require(c.baseAddress),
                                        ldc: n, epilogue: .addResidual(pr), pool: Self.pools[1])
                    }
                }
            }
        }
        for i in 0..<(m * n) {
            #expect(abs(gelu[i] - Activation.geluReference(linear[i])) < 1e-4)
            #expect(abs(added[i] - (linear[i] + residual[i])) < 1e-4)
        }
    }

    @Test("vector erf is within 5e-7 (a few ulp) of the C library on [−6, 6]; GELU matches its erf form")
    func erf() {
        var worst: Double = 0
        var x: Float = -6
        while x <= 6 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let ours = Activation.erf(lanes)
            for lane in 0..<8 { worst = max(worst, abs(Double(ours[lane]) - Foundation.erf(Double(lanes[lane])))) }
            let gelu = Activation.gelu(lanes)
            for lane in 0..<8 { #expect(abs(gelu[lane] - Activation.geluReference(lanes[lane])) <= 1e-6 * max(1, abs(lanes[lane]))) }
            x += 0.01
        }
        #expect(worst < 5e-7, "worst \(worst)")
    }

    @Test("LayerNorm equals PyTorch's formula (biased variance, ε inside the root), in place too", arguments: [8, 13, 384])
    func layerNorm(count: Int) throws {
        let x = Self.random(count, seed: 8).map { $0 * 3 + 1 }
        let weight = Self.random(count, seed: 9), bias = Self.random(count, seed: 10)
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(count)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(count)
        let expected = (0..<count).map { Float((Double(x[$0]) - mean) / (variance + 1e-12).squareRoot()) * weight[$0] + bias[$0] }
        var y = x
        try y.withUnsafeMutableBufferPointer { y in
            let p = try #require(y.baseAddress)
            try weight.withUnsafeBufferPointer { w in
                try bias.withUnsafeBufferPointer { b in
                    LayerNorm.apply(p, output: p, count: count, weight: try #require(w.baseAddress),
                                    bias: try #require(b.baseAddress), epsilon: 1e-12)
                }
            }
        }
        for i in 0..<count { #expect(abs(y[i] - expected[i]) < 1e-5) }
    }
}
