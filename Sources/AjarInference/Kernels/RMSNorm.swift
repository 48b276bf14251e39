/// RMS normalisation as Llama uses it (`LlamaRMSNorm`; llama.cpp `ggml_rms_norm` then `ggml_mul`):
///
///     out[i] = (x[i] · 1/√(mean(x²) + ε)) · weight[i]
///
/// As in ggml, the squares are summed in `Double` and the scale is computed in `Float`.
package enum RMSNorm {
    /// Normalises `x` into `out` (which may be `x` itself).
    /// - Parameters:
    ///   - x: `n` floats.
    ///   - weight: `n` floats (the `*_norm.weight` tensor).
    ///   - epsilon: `llama.attention.layer_norm_rms_epsilon` (1e-5 for the default model).
    ///   - out: `n` floats.
    /// - Throws: `KernelError.shapeMismatch` if the three lengths differ.
    package static func apply(_ x: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, epsilon: Float,
                              into out: UnsafeMutableBufferPointer<Float>) throws(KernelError) {
        let n = try checkedCount(x, weight, out)
        guard n > 0, let xs = x.baseAddress, let ws = weight.baseAddress, let os = out.baseAddress else { return }
        let rx = UnsafeRawPointer(xs), rw = UnsafeRawPointer(ws), ro = UnsafeMutableRawPointer(os)
        var acc = SIMD4<Double>()
        var i = 0
        while i + 8 <= n {
            let v = rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let sq = v * v
            acc += SIMD4<Double>(sq.lowHalf) + SIMD4<Double>(sq.highHalf)
            i += 8
        }
        var sum = acc.sum()
        while i < n {
            sum += Double(xs[i] * xs[i])
            i += 1
        }
        let scale = 1 / (Float(sum / Double(n)) + epsilon).squareRoot()
        i = 0
        while i + 8 <= n {
            let v = rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * scale
            ro.storeBytes(of: v * rw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            os[i] = (xs[i] * scale) * ws[i]
            i += 1
        }
    }

    /// Scalar reference of `apply`.
    package static func applyReference(_ x: UnsafeBufferPointer<Float>, weight: UnsafeBufferPointer<Float>, epsilon: Float,
                                       into out: UnsafeMutableBufferPointer<Float>) throws(KernelError) {
        let n = try checkedCount(x, weight, out)
        guard n > 0 else { return }
        var sum: Double = 0
        for i in 0..<n { sum += Double(x[i] * x[i]) }
        let scale = 1 / (Float(sum / Double(n)) + epsilon).squareRoot()
        for i in 0..<n { out[i] = (x[i] * scale) * weight[i] }
    }

    private static func checkedCount(_ x: UnsafeBufferPointer<Float>, _ weight: UnsafeBufferPointer<Float>,
                                     _ out: UnsafeMutableBufferPointer<Float>) throws(KernelError) -> Int {
        guard weight.count == x.count else { throw .shapeMismatch(what: "RMSNorm weight length", expected: x.count, found: weight.count) }
        guard out.count == x.count else { throw .shapeMismatch(what: "RMSNorm output length", expected: x.count, found: out.count) }
        return x.count
    }
}
