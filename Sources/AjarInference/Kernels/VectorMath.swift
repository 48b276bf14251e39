/// Small float vector operations for attention and residuals: dot, axpy, scale, add, and a
/// vectorised `exp`. Fast paths use 8 float lanes; each has a scalar reference for the tests.
///
/// Lengths come from the caller's buffers; functions that take two buffers process
/// `min` of the counts only where documented, and otherwise throw on a mismatch.
package enum VectorMath {
    /// `Σ a[i]·b[i]` over `count` elements (attention scores `q·k`). Eight lanes, two accumulators.
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            i += 16
        }
        if i + 8 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// Reference `Σ a[i]·b[i]` in index order.
    package static func dotReference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += a[i] * b[i] }
        return sum
    }

    /// `y[i] += alpha·x[i]` for `i in 0..<count` (attention's weighted sum of values).
    @inline(__always)
    package static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = ry.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                + alpha * rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// `x[i] *= alpha` for `i in 0..<count`.
    @inline(__always)
    package static func scale(_ x: UnsafeMutablePointer<Float>, by alpha: Float, count: Int) {
        let rx = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= count {
            rx.storeBytes(of: rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * alpha, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            x[i] *= alpha
            i += 1
        }
    }

    /// `y[i] += x[i]` for `i in 0..<count` (residual connections).
    @inline(__always)
    package static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = ry.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) + rx.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    /// `e^x` in eight lanes, within a few ulp of `expf` for x in [−87.3, 88.7] (tested). Below
    /// that range the result is 0 (−inf gives exactly 0, as masked attention scores need; `expf`
    /// would give subnormals down to −103.9); above it ≈ 3.4e38 rather than inf; NaN gives NaN.
    /// Cody–Waite reduction x = n·ln2 + r with ln2 split in two (no FMA needed), then the Cephes
    /// `expf` polynomial for e^r on [−ln2/2, ln2/2], scaled by 2^n through the exponent bits.
    @inline(__always)
    package static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let lo = SIMD8<Float>(repeating: -87.33654), hi = SIMD8<Float>(repeating: 88.72283)
        var v = x.replacing(with: lo, where: x .< lo)
        v = v.replacing(with: hi, where: v .> hi)
        let nInt = roundToNearestEven(v * 1.442_695_04)  // x / ln 2
        let n = SIMD8<Float>(nInt)
        let r = (v - n * 0.693_359_375) - n * -2.121_944_4e-4  // ln 2 = 0.693359375 − 2.12194440e-4
        let r2 = r * r
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let er = p * r2 + r + 1
        // 2^n through the exponent bits, as 2^(n>>1)·2^(n−n>>1) so both factors stay normal for
        // every n the clamped input can give (−126…128).
        let half = nInt &>> 1
        let scale0 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let scale1 = unsafeBitCast((nInt &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let result = er * scale0 * scale1
        return result.replacing(with: 0, where: x .< lo).replacing(with: x, where: x .!= x)  // NaN in, NaN out
    }
}
