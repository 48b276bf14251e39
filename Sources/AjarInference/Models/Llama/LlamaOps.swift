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

    /// `out = x / rms(x) * weight` (weight is an F32 vector of `count`).
    static func rmsNorm(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, weight: TensorView, count: Int, epsilon: Float
    ) {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] * x[i] }
        let scale = 1 / sqrtf(sum / Float(count) + epsilon)
        let w = weight.data.assumingMemoryBound(to: Float.self)
        for i in 0..<count { out[i] = x[i] * scale * w[i] }
    }

    /// Rotary position embedding, llama.cpp's NORM layout (adjacent pairs), which GGUF's Llama
    /// conversion expects: for each head, pairs (2i, 2i+1) rotate by pos · base^(−2i/rotated).
    static func rope(
        _ vector: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, rotated: Int, position: Int, base: Float
    ) {
        for i in stride(from: 0, to: rotated, by: 2) {
            let theta = Float(position) * powf(base, -Float(i) / Float(rotated))
            let cosTheta = cosf(theta), sinTheta = sinf(theta)
            for h in 0..<heads {
                let p = vector + h * headDim + i
                let a = p[0], b = p[1]
                p[0] = a * cosTheta - b * sinTheta
                p[1] = a * sinTheta + b * cosTheta
            }
        }
    }

    static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var sum = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            sum += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = sum.sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// In-place numerically stable softmax of `count` values.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            x[i] = expf(x[i] - maximum)
            sum += x[i]
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }

    /// `out += a · x`
    static func axpy(_ out: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] += a * x[i] }
    }

    /// `x += y`
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// `gate = silu(gate) · up`
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// `out[rows] = W · x[cols]`: the quantised kernels (activations quantised to 8 bits per block,
    /// integer dot products, rows split across the pool), or the reference path for a type they lack.
    static func matVec(
        _ out: UnsafeMutablePointer<Float>, _ weight: TensorView, _ x: UnsafeMutablePointer<Float>, scratch: Scratch, pool: Pool
    ) {
        let rows = weight.rowCount, cols = weight.rowLength
        do {
            try MatMul.matVec(
                weight, UnsafeBufferPointer(start: x, count: cols), into: UnsafeMutableBufferPointer(start: out, count: rows),
                scratch: scratch.activations, pool: pool.pool)
        } catch {
            referenceMatVec(out, weight, x, scratch: scratch)
        }
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
