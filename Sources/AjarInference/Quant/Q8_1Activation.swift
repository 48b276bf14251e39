/// Activation quantisation to ggml's Q8_1 (and Q8_0) values, for the dot products of Q4_0, Q4_1,
/// Q5_0, Q5_1 and Q8_0 weights. From ggml-quants.c `quantize_row_q8_1_ref` (and `_q8_0_ref`,
/// which produces the same `d` and `q`): per block of 32,
///
///     amax = max |x|,  d = amax / 127,  id = d ≠ 0 ? 1/d : 0
///     q[j] = roundf(x[j] · id)               (round half away from zero)
///     stored d = fp16(d),  s = fp16(Σq · d)   (with the unrounded d)
///
/// The output is written in `QuantizedRow`'s layout (Int16 values, even/odd split per 32; `d`
/// and `s` as `Float`s holding the fp16-rounded values). The fast path is bit-identical to the
/// reference (same operations, same order; tested).
package enum Q8_1Activation {
    /// Scalar reference. `count` must be a multiple of 32 (checked by callers).
    package static func quantizeRowReference(_ x: UnsafePointer<Float>, count: Int, into row: QuantizedRow) {
        for b in 0..<(count / 32) {
            let block = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(block[j])) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            var sum: Int32 = 0
            for j in 0..<32 {
                let q = roundedInt32(block[j] * id)
                row.values[QuantizedRow.storageIndex(of: 32 * b + j)] = Int16(truncatingIfNeeded: q)
                sum &+= q
            }
            row.scales[b] = Half.roundedThroughHalf(d)
            row.sums[b] = Half.roundedThroughHalf(Float(sum) * d)
        }
    }

    /// SIMD version of `quantizeRowReference`, bit-identical to it for finite inputs.
    package static func quantizeRow(_ x: UnsafePointer<Float>, count: Int, into row: QuantizedRow) {
        let raw = UnsafeRawPointer(x)
        for b in 0..<(count / 32) {
            let offset = 128 * b
            let v0 = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let v1 = raw.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
            let v2 = raw.loadUnaligned(fromByteOffset: offset + 64, as: SIMD8<Float>.self)
            let v3 = raw.loadUnaligned(fromByteOffset: offset + 96, as: SIMD8<Float>.self)
            let m = lanewiseMax(lanewiseMax(lanewiseAbs(v0), lanewiseAbs(v1)), lanewiseMax(lanewiseAbs(v2), lanewiseAbs(v3)))
            let amax = horizontalMax(m)
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            // Even elements 0,2,…,30 and odd 1,3,…,31, each as two SIMD8 halves.
            let lo = SIMD16<Float>(lowHalf: v0, highHalf: v1)
            let hi = SIMD16<Float>(lowHalf: v2, highHalf: v3)
            let q0 = roundHalfAwayFromZero(lo.evenHalf * id)
            let q1 = roundHalfAwayFromZero(hi.evenHalf * id)
            let q2 = roundHalfAwayFromZero(lo.oddHalf * id)
            let q3 = roundHalfAwayFromZero(hi.oddHalf * id)
            let target = UnsafeMutableRawPointer(row.values + 32 * b)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q0), toByteOffset: 0, as: SIMD8<Int16>.self)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q1), toByteOffset: 16, as: SIMD8<Int16>.self)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q2), toByteOffset: 32, as: SIMD8<Int16>.self)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q3), toByteOffset: 48, as: SIMD8<Int16>.self)
            let sum = ((q0 &+ q1) &+ (q2 &+ q3)).wrappedSum()
            row.scales[b] = Half.roundedThroughHalf(d)
            row.sums[b] = Half.roundedThroughHalf(Float(sum) * d)
        }
    }
}
