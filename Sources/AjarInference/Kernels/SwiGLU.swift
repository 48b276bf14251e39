import Foundation

/// The Llama feed-forward gate: `out[i] = silu(gate[i]) · up[i]` with `silu(x) = x / (1 + e^−x)`
/// (HF `LlamaMLP`: `down(act(gate(x)) * up(x))`; llama.cpp `ggml_swiglu_split`).
package enum SwiGLU {
    /// Writes `silu(gate) · up` into `out` (which may be `gate` or `up`).
    /// - Parameters: `gate`, `up`, `out`: `hiddenDim` floats each (1536 for the default model).
    /// - Throws: `KernelError.shapeMismatch` if the lengths differ.
    package static func apply(gate: UnsafeBufferPointer<Float>, up: UnsafeBufferPointer<Float>,
                              into out: UnsafeMutableBufferPointer<Float>) throws(KernelError) {
        let n = try checkedCount(gate, up, out)
        guard n > 0, let g = gate.baseAddress, let u = up.baseAddress, let o = out.baseAddress else { return }
        let rg = UnsafeRawPointer(g), ru = UnsafeRawPointer(u), ro = UnsafeMutableRawPointer(o)
        var i = 0
        while i + 8 <= n {
            let x = rg.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let silu = x / (1 + VectorMath.exp(-x))
            ro.storeBytes(of: silu * ru.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            o[i] = SiLU.reference(g[i]) * u[i]
            i += 1
        }
    }

    /// Scalar reference with `expf`.
    package static func applyReference(gate: UnsafeBufferPointer<Float>, up: UnsafeBufferPointer<Float>,
                                       into out: UnsafeMutableBufferPointer<Float>) throws(KernelError) {
        let n = try checkedCount(gate, up, out)
        for i in 0..<n { out[i] = SiLU.reference(gate[i]) * up[i] }
    }

    private static func checkedCount(_ gate: UnsafeBufferPointer<Float>, _ up: UnsafeBufferPointer<Float>,
                                     _ out: UnsafeMutableBufferPointer<Float>) throws(KernelError) -> Int {
        guard up.count == gate.count else { throw .shapeMismatch(what: "SwiGLU up length", expected: gate.count, found: up.count) }
        guard out.count == gate.count else { throw .shapeMismatch(what: "SwiGLU output length", expected: gate.count, found: out.count) }
        return gate.count
    }
}
