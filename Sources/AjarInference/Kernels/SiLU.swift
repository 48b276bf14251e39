import Foundation

/// The sigmoid-weighted linear unit `silu(x) = x·σ(x) = x / (1 + e^−x)`.
package enum SiLU {
    /// `silu` in place over `x`.
    package static func apply(_ x: UnsafeMutableBufferPointer<Float>) {
        guard let base = x.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        var i = 0
        while i + 8 <= x.count {
            let v = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            raw.storeBytes(of: v / (1 + VectorMath.exp(-v)), toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < x.count {
            base[i] = reference(base[i])
            i += 1
        }
    }

    /// Scalar reference with `expf`.
    @inline(__always)
    package static func reference(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }
}
