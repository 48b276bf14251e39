import Testing

@testable import AjarInference

@Suite struct KernelMatMulTests {
    /// A weight matrix `[cols, rows]` of random blocks, owned by the test.
    final class Matrix {
        let bytes: UnsafeMutableRawPointer
        let view: TensorView
        init(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) throws {
            let data = RandomBlocks.make(type, blocks: rows * cols / type.blockSize, seed: seed)
            bytes = .allocate(byteCount: max(1, data.count), alignment: 64)
            bytes.copyMemory(from: data, byteCount: data.count)
            view = try #require(TensorView(name: "w", type: type, shape: [cols, rows], data: bytes))
        }
        deinit { bytes.deallocate() }

        /// Row `r` dequantised by the reference.
        func row(_ r: Int) throws -> [Float] {
            var out = [Float](repeating: 0, count: view.rowLength)
            try out.withUnsafeMutableBufferPointer {
                try Dequantize.row(view.type, try #require(view.row(r)), count: view.rowLength, into: try #require($0.baseAddress), reference: true)
            }
            return out
        }
    }

    static let pools = [ThreadPool(threadCount: 1), ThreadPool(threadCount: 2), ThreadPool(threadCount: 3)]

    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = KernelTestRandom(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    static let cases: [(GGMLType, Int, Int)] = [
        (.q4_1, 70, 576), (.q4_1, 33, 96), (.q4_0, 40, 64), (.q5_0, 41, 160), (.q5_1, 35, 32), (.q8_0, 50, 576),
        (.q4_K, 37, 512), (.q5_K, 20, 256), (.q6_K, 45, 256), (.f32, 30, 20), (.f16, 19, 64), (.bf16, 9, 40),
    ]

    @Test("matVec equals per-row reference dots (quantised) or float dots, on 1, 2 and 3 threads", arguments: cases)
    func matVec(type: GGMLType, rows: Int, cols: Int) throws {
        let w = try Matrix(type, rows: rows, cols: cols, seed: UInt64(rows * cols))
        let x = Self.random(cols, seed: 9)
        let scratch = QuantizedActivations(maxColumns: cols)
        var expected = [Float](repeating: 0, count: rows)
        // Expected: the scalar references on the same quantised activations.
        if let format = MatMul.activationFormat(of: type), format != .float32 {
            try x.withUnsafeBufferPointer { try scratch.quantize(try #require($0.baseAddress), columns: cols, tokens: 1, format: format, reference: true) }
            try QuantDotTests.withFormat(type) { f in
                for r in 0..<rows { expected[r] = f.dotReference(try #require(w.view.row(r)), scratch.row(0), blocks: cols / type.blockSize) }
            }
        } else {
            for r in 0..<rows { expected[r] = zip(try w.row(r), x).reduce(0) { $0 + $1.0 * $1.1 } }
        }
        for pool in Self.pools {
            var y = [Float](repeating: .nan, count: rows + 1)
            try x.withUnsafeBufferPointer { xs in
                try y.withUnsafeMutableBufferPointer { ys in
                    try MatMul.matVec(w.view, xs, into: ys, scratch: scratch, pool: pool)
                }
            }
            for r in 0..<rows {
                let scale = max(1, abs(expected[r]))
                #expect(abs(y[r] - expected[r]) <= 1e-4 * scale, "\(type) row \(r) on \(pool.threadCount) threads: \(y[r]) vs \(expected[r])")
            }
            #expect(y[rows].isNaN, "wrote past the rows")
        }
    }

    @Test("the batched product equals matVec token by token, bit for bit", arguments: [(GGMLType.q4_1, 7), (.q4_1, 13), (.q8_0, 5), (.q4_K, 6), (.q6_K, 4), (.f16, 3)])
    func batchedEqualsMatVec(type: GGMLType, tokens: Int) throws {
        let (rows, cols) = type.blockSize == 32 ? (37, 96) : (21, 256)
        let w = try Matrix(type, rows: rows, cols: cols, seed: 5)
        let x = Self.random(tokens * cols, seed: 11)
        let scratch = QuantizedActivations(maxColumns: cols, maxTokens: tokens)
        for pool in Self.pools {
            var batched = [Float](repeating: .nan, count: tokens * rows)
            try x.withUnsafeBufferPointer { xs in
                try batched.withUnsafeMutableBufferPointer { ys in
                    try MatMul.matMul(w.view, xs, tokens: tokens, into: ys, scratch: scratch, pool: pool)
                }
            }
            for t in 0..<tokens {
                var single = [Float](repeating: .nan, count: rows)
                try x.withUnsafeBufferPointer { xs in
                    try single.withUnsafeMutableBufferPointer { ys in
                        try MatMul.matVec(w.view, UnsafeBufferPointer(rebasing: xs[(t * cols)..<((t + 1) * cols)]), into: ys,
                                          scratch: scratch, pool: pool)
                    }
                }
                for r in 0..<rows {
                    #expect(batched[t * rows + r].bitPattern == single[r].bitPattern, "\(type) token \(t) row \(r)")
                }
            }
        }
    }

    @Test("activations quantised once can be reused for several matrices")
    func sharedQuantisation() throws {
        let cols = 576
        let q = try Matrix(.q4_1, rows: 64, cols: cols, seed: 1), k = try Matrix(.q4_1, rows: 32, cols: cols, seed: 2)
        let x = Self.random(cols, seed: 3)
        let pool = Self.pools[1]
        let shared = QuantizedActivations(maxColumns: cols), scratch = QuantizedActivations(maxColumns: cols)
        try x.withUnsafeBufferPointer { try shared.quantize(try #require($0.baseAddress), columns: cols, tokens: 1, format: .q8_1) }
        for w in [q, k] {
            var a = [Float](repeating: 0, count: w.view.rowCount), b = a
            try a.withUnsafeMutableBufferPointer { try MatMul.matVec(w.view, quantized: shared, into: $0, pool: pool) }
            try x.withUnsafeBufferPointer { xs in try b.withUnsafeMutableBufferPointer { try MatMul.matVec(w.view, xs, into: $0, scratch: scratch, pool: pool) } }
            #expect(a == b)
        }
        // Wrong format for the weight: refused.
        let k4 = try Matrix(.q4_K, rows: 8, cols: 512, seed: 4)
        var y = [Float](repeating: 0, count: 8)
        #expect(throws: KernelError.self) { try y.withUnsafeMutableBufferPointer { try MatMul.matVec(k4.view, quantized: shared, into: $0, pool: pool) } }
    }

    @Test("wrong sizes and unsupported types are refused, not crashed on")
    func refusals() throws {
        let w = try Matrix(.q4_1, rows: 8, cols: 64, seed: 1)
        let scratch = QuantizedActivations(maxColumns: 64)
        let pool = Self.pools[0]
        var y = [Float](repeating: 0, count: 8)
        let short = [Float](repeating: 0, count: 63)
        #expect(throws: KernelError.shapeMismatch(what: "input length for w", expected: 64, found: 63)) {
            try short.withUnsafeBufferPointer { xs in try y.withUnsafeMutableBufferPointer { try MatMul.matVec(w.view, xs, into: $0, scratch: scratch, pool: pool) } }
        }
        let x = [Float](repeating: 0, count: 64)
        var shortY = [Float](repeating: 0, count: 7)
        #expect(throws: KernelError.shapeMismatch(what: "output length for w", expected: 8, found: 7)) {
            try x.withUnsafeBufferPointer { xs in try shortY.withUnsafeMutableBufferPointer { try MatMul.matVec(w.view, xs, into: $0, scratch: scratch, pool: pool) } }
        }
        let small = QuantizedActivations(maxColumns: 32, maxTokens: 1)
        let big = try Matrix(.q4_1, rows: 2, cols: 512, seed: 2)
        let bigX = [Float](repeating: 0, count: 512)
        #expect(throws: KernelError.activationCapacity(columns: 512, tokens: 1, maxColumns: 256, maxTokens: 1)) {
            try bigX.withUnsafeBufferPointer { xs in try y.withUnsafeMutableBufferPointer { try MatMul.matVec(big.view, xs, into: $0, scratch: small, pool: pool) } }
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 64)
        defer { raw.deallocate() }
        let q2 = try #require(TensorView(name: "q2", type: .q2_K, shape: [256, 2], data: raw))
        #expect(throws: KernelError.unsupportedType(.q2_K, operation: "matrix product")) {
            try bigX.withUnsafeBufferPointer { xs in try y.withUnsafeMutableBufferPointer { try MatMul.matVec(q2, UnsafeBufferPointer(rebasing: xs[..<256]), into: $0, scratch: scratch, pool: pool) } }
        }
    }

    @Test("the model's first Q projection matches a float reference on a real input", .enabled(if: DefaultModelFixture.isAvailable))
    func modelMatVec() throws {
        let file = try #require(DefaultModelFixture.file)
        let wq = try file.requireTensor("blk.0.attn_q.weight", shape: [576, 576], types: [.q4_1])
        let x = Self.random(576, seed: 21)
        var y = [Float](repeating: 0, count: 576)
        let scratch = QuantizedActivations(maxColumns: 1536)
        try x.withUnsafeBufferPointer { xs in try y.withUnsafeMutableBufferPointer { try MatMul.matVec(wq, xs, into: $0, scratch: scratch, pool: Self.pools[1]) } }
        var row = [Float](repeating: 0, count: 576)
        var maxError: Float = 0, maxMagnitude: Float = 0
        for r in stride(from: 0, to: 576, by: 7) {
            try row.withUnsafeMutableBufferPointer { try wq.dequantizeRow(r, into: $0) }
            let exact = zip(row, x).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            maxError = max(maxError, abs(exact - y[r]))
            maxMagnitude = max(maxMagnitude, abs(exact))
        }
        // The only approximation is the 8-bit activation quantisation (as in llama.cpp).
        #expect(maxError <= 0.02 * maxMagnitude, "max error \(maxError) of \(maxMagnitude)")
    }
}
