/// LayerNorm over one row, as PyTorch's `nn.LayerNorm` (biased variance, ε inside the root):
/// `y[i] = (x[i] − μ) / √(σ² + ε) · weight[i] + bias[i]`. Two passes (mean, then the squared
/// deviations), eight lanes at a time, so the variance does not lose digits to cancellation.
package enum LayerNorm {
    /// Normalises `input[0..<count]` into `output` (which may be `input`).
    @inline(__always)
    package static func apply(
        _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, epsilon: Float
    ) {
        guard count > 0 else { return }
        let x = UnsafeRawPointer(input)
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc += x.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            sum += input[i]
            i += 1
        }
        let mean = sum / Float(count)
        acc = SIMD8<Float>()
        i = 0
        while i + 8 <= count {
            let d = x.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - mean
            acc += d * d
            i += 8
        }
        var squares = acc.sum()
        while i < count {
            let d = input[i] - mean
            squares += d * d
            i += 1
        }
        let inverse = 1 / (squares / Float(count) + epsilon).squareRoot()
        let y = UnsafeMutableRawPointer(output), g = UnsafeRawPointer(weight), b = UnsafeRawPointer(bias)
        i = 0
        while i + 8 <= count {
            let d = (x.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - mean) * inverse
            let v = d * g.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                + b.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            y.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            output[i] = (input[i] - mean) * inverse * weight[i] + bias[i]
            i += 1
        }
    }
}
