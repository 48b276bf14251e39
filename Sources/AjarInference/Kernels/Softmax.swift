import Foundation

/// Numerically stable softmax in place: `x[i] = e^(x[i] − max) / Σ e^(x[j] − max)`. Subtracting
/// the maximum keeps every exponent ≤ 0, so nothing overflows; the sum is ≥ 1. Entries of −inf
/// (masked) become exactly 0. If every entry is −inf the result is uniform (the limit of equal
/// scores), never NaN.
package enum Softmax {
    /// Softmax of `x` in place (attention scores of one head, or logits). Empty input is a no-op.
    package static func apply(_ x: UnsafeMutableBufferPointer<Float>) {
        guard let base = x.baseAddress, !x.isEmpty else { return }
        let n = x.count
        let raw = UnsafeMutableRawPointer(base)
        var m = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            m = lanewiseMax(m, raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
            i += 8
        }
        var maximum = horizontalMax(m)
        while i < n {
            maximum = max(maximum, base[i])
            i += 1
        }
        if maximum == -.infinity {  // fully masked: −inf − −inf would be NaN
            base.update(repeating: 1 / Float(n), count: n)
            return
        }
        var acc = SIMD8<Float>()
        i = 0
        while i + 8 <= n {
            let e = VectorMath.exp(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - maximum)
            raw.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc += e
            i += 8
        }
        var sum = Double(acc.sum())
        while i < n {
            let e = Foundation.exp(base[i] - maximum)
            base[i] = e
            sum += Double(e)
            i += 1
        }
        VectorMath.scale(base, by: Float(1 / sum), count: n)
    }

    /// Scalar reference with `expf` and a `Double` sum (as ggml's `ggml_vec_soft_max_f32`).
    package static func applyReference(_ x: UnsafeMutableBufferPointer<Float>) {
        guard !x.isEmpty else { return }
        let maximum = x.max() ?? 0
        if maximum == -.infinity {
            for i in x.indices { x[i] = 1 / Float(x.count) }
            return
        }
        var sum: Double = 0
        for i in x.indices {
            let e = Foundation.exp(x[i] - maximum)
            x[i] = e
            sum += Double(e)
        }
        let inverse = Float(1 / sum)
        for i in x.indices { x[i] *= inverse }
    }
}
