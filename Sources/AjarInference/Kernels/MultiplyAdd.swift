import Foundation

/// How a kernel computes `c + a·b` on eight lanes. Kernels are generic over it and are specialised
/// for both, because which one is fast depends on how the engine was compiled, which Swift code
/// cannot test with `#if`: built for the machine's CPU (`-target-cpu native`, the default release
/// build) `addingProduct` is one FMA instruction, but built for the baseline x86-64
/// (`AJAR_PORTABLE=1`) it becomes eight calls to the C library's `fmaf`, about a hundred times
/// slower than a multiply and an add (measured: the F32 GEMM ran at 0.7 GFLOP/s).
package protocol MultiplyAdd {
    /// `c + a·b`.
    static func apply(_ c: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
}

/// `c.addingProduct(a, b)`: one fused instruction where the target has FMA.
package enum FusedMultiplyAdd: MultiplyAdd {
    @inline(__always)
    package static func apply(_ c: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        c.addingProduct(a, b)
    }
}

/// `c + a * b`, rounded twice: a multiply and an add on any target.
package enum SeparateMultiplyAdd: MultiplyAdd {
    @inline(__always)
    package static func apply(_ c: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        c + a * b
    }
}

package enum MultiplyAddSelection {
    /// Whether kernels use `FusedMultiplyAdd`: true unless the fused form is more than three times
    /// slower than the separate one, which only happens when it is emulated (timed once, ~0.1 ms).
    package static let usesFused: Bool = {
        func time<M: MultiplyAdd>(_: M.Type) -> Double {
            var acc = SIMD8<Float>(repeating: 0.5)
            let a = SIMD8<Float>(repeating: 0.999), b = SIMD8<Float>(repeating: 1e-3)
            var best = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<2_000 { acc = M.apply(acc, a, b) }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start))
            }
            // Keep `acc` alive so the loop is not removed.
            return acc.sum() == .infinity ? 0 : best
        }
        return time(FusedMultiplyAdd.self) <= 3 * time(SeparateMultiplyAdd.self)
    }()
}
