import Dispatch
import Foundation

/// The forward pass's operations. Shapes were checked when the weights loaded (``LlamaWeights``),
/// so these use unchecked pointers.
package enum LlamaOps {
    /// Per-thread scratch rows for the matrix kernels.
    package final class Scratch: @unchecked Sendable {
        let columns: Int
        let rows: UnsafeMutableBufferPointer<Float>
        /// Quantised activations for the kernels.
        let activations: QuantizedActivations

        init(columns: Int, threads: Int) {
            self.columns = columns
            rows = .allocate(capacity: columns * max(threads, 1))
            rows.initialize(repeating: 0)
            activations = QuantizedActivations(maxColumns: columns)
        }

        deinit { rows.deallocate() }
    }

    /// The threads that split a matrix's rows: a persistent spin-then-park pool (``ThreadPool``).
    package struct Pool: Sendable {
        package static var defaultThreads: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }
        package let threads: Int
        let pool: ThreadPool
        package init(threads: Int) {
            self.threads = max(1, min(threads, 8))
            pool = ThreadPool(threadCount: self.threads)
        }
    }

    /// `out = x / rms(x) * weight` (weight is an F32 vector of `count`), as ggml: squares summed in
    /// `Double`, 8 lanes at a time (``RMSNorm``).
    @inline(__always)
    static func rmsNorm(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, weight: TensorView, count: Int, epsilon: Float
    ) {
        let w = weight.data.assumingMemoryBound(to: Float.self)
        try? RMSNorm.apply(UnsafeBufferPointer(start: x, count: count), weight: UnsafeBufferPointer(start: w, count: count),
                           epsilon: epsilon, into: UnsafeMutableBufferPointer(start: out, count: count))
    }

    /// The rotation angles of one position, once per token for every layer: `cos` of pair i at
    /// `angles[i]`, `sin` at `angles[rotated/2 + i]`, θ_i = pos · base^(−2i/rotated).
    static func rotationAngles(_ angles: UnsafeMutablePointer<Float>, position: Int, rotated: Int, base: Float) {
        let pairs = rotated / 2
        for i in 0..<pairs {
            let theta = Float(position) * powf(base, -Float(2 * i) / Float(rotated))
            angles[i] = cosf(theta)
            angles[pairs + i] = sinf(theta)
        }
    }

    /// Rotary position embedding, llama.cpp's NORM layout (adjacent pairs), which GGUF's Llama
    /// conversion expects: for each head, pairs (2i, 2i+1) rotate by the angles of ``rotationAngles``.
    @inline(__always)
    static func rope(
        _ vector: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, rotated: Int, angles: UnsafeMutablePointer<Float>
    ) {
        let pairs = rotated / 2
        for h in 0..<heads {
            let p = vector + h * headDim
            for i in 0..<pairs {
                let cosTheta = angles[i], sinTheta = angles[pairs + i]
                let a = p[2 * i], b = p[2 * i + 1]
                p[2 * i] = a * cosTheta - b * sinTheta
                p[2 * i + 1] = a * sinTheta + b * cosTheta
            }
        }
    }

    /// One head's attention for one query over cached positions `0..<count`: scores `q·k/√d`,
    /// softmax, then the weighted sum of values into `out` (`headDim` floats).
    @inline(__always)
    static func attend(query: UnsafeMutablePointer<Float>, head h: Int, config c: LlamaConfig,
                       keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>, count: Int,
                       scores: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let headDim = c.headDim, kvDim = c.kvDim
        let kvOffset = (h / (c.heads / c.kvHeads)) * headDim
        let scale = 1 / sqrtf(Float(headDim))
        for t in 0..<count {
            scores[t] = VectorMath.dot(query, keys + t * kvDim + kvOffset, count: headDim) * scale
        }
        Softmax.apply(UnsafeMutableBufferPointer(start: scores, count: count))
        out.initialize(repeating: 0, count: headDim)
        for t in 0..<count {
            VectorMath.axpy(scores[t], values + t * kvDim + kvOffset, out, count: headDim)
        }
    }

    static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
        VectorMath.dot(a, b, count: count)
    }

    /// `x += y`
    @inline(__always)
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.add(y, into: x, count: count)
    }

    /// `gate = silu(gate) · up`, with `expf` per element as ggml's scalar `ggml_silu_f32`.
    /// Not the vectorised ``SwiGLU`` (a few ulp from `expf`): the difference is harmless in
    /// itself but moves the 8-bit rounding of the next layer's activations, and with it the logits;
    /// measured against llama.cpp (`ajar-bench-engine --check`) the worst centred difference was
    /// 1.36 with it and 0.97 with `expf`. Costs ~46k `expf` per token (≈ 2% of a decode step).
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// `out[t][rows] = W · x[t][cols]` for `tokens` rows of `x`: the quantised kernels
    /// (activations quantised to 8 bits per block into `activations`, integer dot products, rows
    /// split across the pool), or the reference path for a type they lack.
    static func matMul(
        _ out: UnsafeMutablePointer<Float>, _ weight: TensorView, _ x: UnsafeMutablePointer<Float>, tokens: Int,
        activations: QuantizedActivations, scratch: Scratch, pool: Pool
    ) {
        let rows = weight.rowCount, cols = weight.rowLength
        do {
            try MatMul.matMul(
                weight, UnsafeBufferPointer(start: x, count: tokens * cols), tokens: tokens,
                into: UnsafeMutableBufferPointer(start: out, count: tokens * rows), scratch: activations, pool: pool.pool)
        } catch {
            for t in 0..<tokens { referenceMatVec(out + t * rows, weight, x + t * cols, scratch: scratch) }
        }
    }

    /// Two or three products of the same input (Q, K, V; gate, up): one quantisation of `x`, one
    /// parallel job (``MatMul/fused(_:_:_:quantized:pool:)``); separately if their types differ.
    static func project(
        _ x: UnsafeMutablePointer<Float>, tokens: Int, _ a: (TensorView, UnsafeMutablePointer<Float>),
        _ b: (TensorView, UnsafeMutablePointer<Float>), _ c: (TensorView, UnsafeMutablePointer<Float>)?,
        activations: QuantizedActivations, scratch: Scratch, pool: Pool
    ) {
        let cols = a.0.rowLength
        if let format = MatMul.activationFormat(of: a.0.type), format != .float32,
            MatMul.activationFormat(of: b.0.type) == format, c.map({ MatMul.activationFormat(of: $0.0.type) == format }) ?? true,
            b.0.rowLength == cols, c.map({ $0.0.rowLength == cols }) ?? true
        {
            do {
                try activations.quantize(x, columns: cols, tokens: tokens, format: format, pool: pool.pool)
                try MatMul.fused(MatMul.Job(a.0, into: a.1), MatMul.Job(b.0, into: b.1), c.map { MatMul.Job($0.0, into: $0.1) },
                                 quantized: activations, pool: pool.pool)
                return
            } catch {}
        }
        matMul(a.1, a.0, x, tokens: tokens, activations: activations, scratch: scratch, pool: pool)
        matMul(b.1, b.0, x, tokens: tokens, activations: activations, scratch: scratch, pool: pool)
        if let c { matMul(c.1, c.0, x, tokens: tokens, activations: activations, scratch: scratch, pool: pool) }
    }

    /// Each row dequantised into a scratch row, then a float dot (the reference the kernels are
    /// tested against).
    static func referenceMatVec(_ out: UnsafeMutablePointer<Float>, _ weight: TensorView, _ x: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let rows = weight.rowCount, cols = weight.rowLength
        let row = scratch.rows.baseAddress.unsafelyUnwrapped  // allocated with count ≥ 1
        for r in 0..<rows {
            guard let source = weight.row(r) else { continue }
            try? Dequantize.row(weight.type, source, count: cols, into: row)
            out[r] = dot(row, x, count: cols)
        }
    }
}
