/// Matrix products of a weight tensor with activations, for any supported weight type.
///
/// A weight `W` is a GGUF tensor of shape `[cols, rows]` (`shape[0]` = row length): the linear
/// layer `y = W·x`. Activations are quantised once per call into `QuantizedActivations` (the
/// format the weight type needs, as llama.cpp's `vec_dot_type`), then rows are split across the
/// pool's threads and each row is one integer-SIMD dot product. Nothing is allocated.
///
/// The checks at the top of each function (type supported, sizes) are the only ones; the loops
/// below run on unchecked pointers and rely on them and on `GGUFFile`'s load-time validation of
/// the tensor's byte range.
package enum MatMul {
    /// Rows per task: small enough to balance two threads on the 192-row K/V projections, large
    /// enough that claiming a task (one atomic add) is noise.
    static let rowsPerTask = 32
    /// Rows whose weights stay in L1 while a group of 4 tokens' activations is reused across them
    /// (batched product).
    static let rowTile = 16

    /// `y[rows] = W[rows][cols] · x[cols]`.
    /// - Parameters:
    ///   - weights: `[cols, rows]` tensor of a supported type.
    ///   - x: `cols` floats.
    ///   - y: at least `rows` floats; `y[r]` is overwritten.
    ///   - scratch: Receives the quantised `x`; `maxColumns ≥ cols`.
    ///   - pool: Threads to split the rows over.
    /// - Throws: `KernelError` if the type is unsupported or a size does not match.
    package static func matVec(_ weights: TensorView, _ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>,
                               scratch: QuantizedActivations, pool: ThreadPool) throws(KernelError) {
        try matMul(weights, x, tokens: 1, into: y, scratch: scratch, pool: pool)
    }

    /// `Y[n][rows] = X[n][cols] · Wᵀ` for a batch of `n` tokens (prefill): each weight row is read
    /// once for all tokens, four tokens at a time.
    /// - Parameters:
    ///   - weights: `[cols, rows]` tensor of a supported type.
    ///   - x: `[tokens][cols]` floats, row-major.
    ///   - tokens: `n ≥ 1`, at most `scratch.maxTokens`.
    ///   - y: at least `tokens × rows` floats, `y[t * rows + r]`.
    ///   - scratch: Receives the quantised `X`.
    ///   - pool: Threads to split the rows over.
    /// - Throws: `KernelError` if the type is unsupported or a size does not match.
    package static func matMul(_ weights: TensorView, _ x: UnsafeBufferPointer<Float>, tokens: Int,
                               into y: UnsafeMutableBufferPointer<Float>, scratch: QuantizedActivations,
                               pool: ThreadPool) throws(KernelError) {
        let cols = weights.rowLength
        guard tokens >= 1 else { throw .shapeMismatch(what: "token count", expected: 1, found: tokens) }
        guard let xs = x.baseAddress, x.count >= tokens * cols else {
            throw .shapeMismatch(what: "input length for \(weights.name)", expected: tokens * cols, found: x.count)
        }
        guard let format = activationFormat(of: weights.type) else {
            throw .unsupportedType(weights.type, operation: "matrix product")
        }
        if format != .float32 {
            try scratch.quantize(xs, columns: cols, tokens: tokens, format: format, pool: pool)
        }
        try multiply(weights, quantized: scratch, floats: xs, tokens: tokens, into: y, pool: pool)
    }

    /// `y = W·x` with `x` already quantised into `activations` (by `QuantizedActivations.quantize`
    /// with `activationFormat(of: weights.type)`), so several matrices that read the same input —
    /// Q, K and V; gate and up — share one quantisation.
    /// - Throws: `KernelError` if the activations do not match the weight's type or shape.
    package static func matVec(_ weights: TensorView, quantized activations: QuantizedActivations,
                               into y: UnsafeMutableBufferPointer<Float>, pool: ThreadPool) throws(KernelError) {
        guard let format = activationFormat(of: weights.type), format != .float32 else {
            throw .unsupportedType(weights.type, operation: "matrix product with quantised activations")
        }
        guard activations.format == format, activations.columns == weights.rowLength else {
            throw .shapeMismatch(what: "quantised activation columns for \(weights.name)", expected: weights.rowLength,
                                 found: activations.format == format ? activations.columns : -1)
        }
        try multiply(weights, quantized: activations, floats: nil, tokens: activations.tokens, into: y, pool: pool)
    }

    /// The activation format a weight type's dot product needs, or `nil` if unsupported.
    package static func activationFormat(of type: GGMLType) -> ActivationFormat? {
        switch type {
        case .f32, .f16, .bf16: .float32
        case .q4_0: Q4_0.activationFormat
        case .q4_1: Q4_1.activationFormat
        case .q5_0: Q5_0.activationFormat
        case .q5_1: Q5_1.activationFormat
        case .q8_0: Q8_0.activationFormat
        case .q4_K: Q4_K.activationFormat
        case .q5_K: Q5_K.activationFormat
        case .q6_K: Q6_K.activationFormat
        default: nil
        }
    }

    // MARK: - Dispatch

    private static func multiply(_ weights: TensorView, quantized: QuantizedActivations, floats: UnsafePointer<Float>?,
                                 tokens: Int, into y: UnsafeMutableBufferPointer<Float>, pool: ThreadPool) throws(KernelError) {
        let rows = weights.rowCount
        guard let ys = y.baseAddress, y.count >= tokens * rows else {
            throw .shapeMismatch(what: "output length for \(weights.name)", expected: tokens * rows, found: y.count)
        }
        let shape = Shape(data: weights.data, rowBytes: weights.rowBytes, rows: rows, cols: weights.rowLength,
                          blocks: weights.rowLength / weights.type.blockSize, tokens: tokens)
        switch weights.type {
        case .f32, .f16, .bf16:
            guard let floats else { throw .unsupportedType(weights.type, operation: "quantised activations") }
            runFloat(weights.type, shape, floats, ys, pool)
        case .q4_0: run(Q4_0.self, shape, quantized.batch, ys, pool)
        case .q4_1: run(Q4_1.self, shape, quantized.batch, ys, pool)
        case .q5_0: run(Q5_0.self, shape, quantized.batch, ys, pool)
        case .q5_1: run(Q5_1.self, shape, quantized.batch, ys, pool)
        case .q8_0: run(Q8_0.self, shape, quantized.batch, ys, pool)
        case .q4_K: run(Q4_K.self, shape, quantized.batch, ys, pool)
        case .q5_K: run(Q5_K.self, shape, quantized.batch, ys, pool)
        case .q6_K: run(Q6_K.self, shape, quantized.batch, ys, pool)
        default: throw .unsupportedType(weights.type, operation: "matrix product")
        }
    }

    /// What the loops need, as plain values (no ARC inside the parallel region).
    struct Shape {
        let data: UnsafeRawPointer
        let rowBytes: Int
        let rows: Int
        let cols: Int
        let blocks: Int
        let tokens: Int
    }

    // MARK: - Fused products

    /// One matrix of a fused product: `output = weights · x` for the shared quantised `x`.
    package struct Job {
        package let weights: TensorView
        package let output: UnsafeMutablePointer<Float>
        package init(_ weights: TensorView, into output: UnsafeMutablePointer<Float>) {
            self.weights = weights
            self.output = output
        }
    }

    /// Up to three products that read the same quantised input (Q, K and V; gate and up) as ONE
    /// parallel job: the rows of all matrices are split into tasks together, so the pool's threads
    /// meet once instead of once per matrix (a fork-join costs a few µs; a token runs ~210).
    /// Every matrix must use the activation format `activations` holds; outputs are
    /// `[tokens][rows]` as in ``matMul(_:_:tokens:into:scratch:pool:)``.
    /// - Throws: `KernelError` if a type is unsupported or does not match the activations.
    package static func fused(_ a: Job, _ b: Job, _ c: Job? = nil, quantized activations: QuantizedActivations,
                              pool: ThreadPool) throws(KernelError) {
        let jobs = (a, b, c ?? b)
        let count = c == nil ? 2 : 3
        func shape(_ job: Job) throws(KernelError) -> Shape {
            let w = job.weights
            guard let format = activationFormat(of: w.type), format != .float32, format == activations.format,
                activations.columns == w.rowLength
            else {
                throw .shapeMismatch(what: "quantised activation columns for \(w.name)", expected: w.rowLength, found: activations.columns)
            }
            return Shape(data: w.data, rowBytes: w.rowBytes, rows: w.rowCount, cols: w.rowLength,
                         blocks: w.rowLength / w.type.blockSize, tokens: activations.tokens)
        }
        let shapes = (try shape(jobs.0), try shape(jobs.1), try shape(jobs.2))
        let types = (jobs.0.weights.type, jobs.1.weights.type, jobs.2.weights.type)
        let outputs = (jobs.0.output, jobs.1.output, jobs.2.output)
        let t0 = (shapes.0.rows + rowsPerTask - 1) / rowsPerTask
        let t1 = (shapes.1.rows + rowsPerTask - 1) / rowsPerTask
        let t2 = count == 3 ? (shapes.2.rows + rowsPerTask - 1) / rowsPerTask : 0
        let batch = activations.batch
        pool.run(tasks: t0 + t1 + t2) { task in
            let (type, s, y, local): (GGMLType, Shape, UnsafeMutablePointer<Float>, Int)
            if task < t0 {
                (type, s, y, local) = (types.0, shapes.0, outputs.0, task)
            } else if task < t0 + t1 {
                (type, s, y, local) = (types.1, shapes.1, outputs.1, task - t0)
            } else {
                (type, s, y, local) = (types.2, shapes.2, outputs.2, task - t0 - t1)
            }
            rows(type, s, batch, y, local * rowsPerTask, min(s.rows, (local + 1) * rowsPerTask))
        }
    }

    // MARK: - Loops

    @inline(__always)
    private static func run<F: QuantizedFormat>(_: F.Type, _ s: Shape, _ batch: QuantizedBatch,
                                                _ y: UnsafeMutablePointer<Float>, _ pool: ThreadPool) {
        let tasks = (s.rows + rowsPerTask - 1) / rowsPerTask
        pool.run(tasks: tasks) { task in
            rows(F.self, s, batch, y, task * rowsPerTask, min(s.rows, (task + 1) * rowsPerTask))
        }
    }

    /// Rows `start..<end` of a quantised product, dispatched on the weight type (fused jobs).
    private static func rows(_ type: GGMLType, _ s: Shape, _ batch: QuantizedBatch, _ y: UnsafeMutablePointer<Float>,
                             _ start: Int, _ end: Int) {
        switch type {
        case .q4_0: rows(Q4_0.self, s, batch, y, start, end)
        case .q4_1: rows(Q4_1.self, s, batch, y, start, end)
        case .q5_0: rows(Q5_0.self, s, batch, y, start, end)
        case .q5_1: rows(Q5_1.self, s, batch, y, start, end)
        case .q8_0: rows(Q8_0.self, s, batch, y, start, end)
        case .q4_K: rows(Q4_K.self, s, batch, y, start, end)
        case .q5_K: rows(Q5_K.self, s, batch, y, start, end)
        case .q6_K: rows(Q6_K.self, s, batch, y, start, end)
        default: break  // excluded by `shape(_:)` in `fused`
        }
    }

    /// Rows `start..<end` for every token: one dot per row for a single token; for a batch, tiles
    /// of `rowTile` rows whose weights stay in L1 while groups of 4 tokens stream past them.
    @inline(__always)
    private static func rows<F: QuantizedFormat>(_: F.Type, _ s: Shape, _ batch: QuantizedBatch,
                                                 _ y: UnsafeMutablePointer<Float>, _ start: Int, _ end: Int) {
        if s.tokens == 1 {
            let activations = batch.row(0)
            for r in start..<end {
                y[r] = F.dot(s.data + r * s.rowBytes, activations, blocks: s.blocks)
            }
            return
        }
        var tileStart = start
        while tileStart < end {
            let tileEnd = min(end, tileStart + rowTile)
            var t = 0
            while t + 4 <= s.tokens {
                for r in tileStart..<tileEnd {
                    let v = F.dot4(s.data + r * s.rowBytes, batch, token: t, blocks: s.blocks)
                    y[t * s.rows + r] = v[0]
                    y[(t + 1) * s.rows + r] = v[1]
                    y[(t + 2) * s.rows + r] = v[2]
                    y[(t + 3) * s.rows + r] = v[3]
                }
                t += 4
            }
            while t < s.tokens {
                let activations = batch.row(t)
                for r in tileStart..<tileEnd {
                    y[t * s.rows + r] = F.dot(s.data + r * s.rowBytes, activations, blocks: s.blocks)
                }
                t += 1
            }
            tileStart = tileEnd
        }
    }

    private static func runFloat(_ type: GGMLType, _ s: Shape, _ x: UnsafePointer<Float>,
                                 _ y: UnsafeMutablePointer<Float>, _ pool: ThreadPool) {
        let tasks = (s.rows + rowsPerTask - 1) / rowsPerTask
        pool.run(tasks: tasks) { task in
            let end = min(s.rows, (task + 1) * rowsPerTask)
            for r in (task * rowsPerTask)..<end {
                let row = s.data + r * s.rowBytes
                for t in 0..<s.tokens {
                    y[t * s.rows + r] = FloatFormats.dot(type, row, x + t * s.cols, count: s.cols)
                }
            }
        }
    }
}
