/// Activation quantisation to ggml's Q8_K values, for the dot products of the K-quants (Q4_K,
/// Q5_K, Q6_K). From ggml-quants.c `quantize_row_q8_K_ref`: per block of 256,
///
///     max = the first x with the largest |x|  (keeps its sign)
///     if max == 0: d = 0, q = 0
///     iscale = -127 / max,  q[j] = min(127, nearest_int(iscale · x[j])),  d = 1 / iscale
///     bsums[g] = Σ q over elements 16g ..< 16g+16
///
/// `nearest_int` rounds half to even. `d` stays a full `Float` (no fp16 rounding in Q8_K) and
/// is negative when `max` is positive, exactly as in ggml. Output in `QuantizedRow`, quants in
/// the order of `storageIndex(of:)`.
package enum Q8_KActivation {
    /// Where element `i` (natural order) is stored in `QuantizedRow.values`: per group of 32, the
    /// 16 even-indexed elements, then the 16 odd-indexed ones. That is the order in which 32 bytes
    /// of K-quant nibbles (64 elements of two sub-blocks) come apart when read as 16 UInt16 lanes.
    @inline(__always)
    package static func storageIndex(of i: Int) -> Int {
        let j = i & 31
        return (i & ~31) | (j & 1) << 4 | j >> 1
    }

    /// Scalar reference. `count` must be a multiple of 256 (checked by callers).
    package static func quantizeRowReference(_ x: UnsafePointer<Float>, count: Int, into row: QuantizedRow) {
        for b in 0..<(count / 256) {
            let block = x + 256 * b
            var amax: Float = 0
            var maxValue: Float = 0
            for j in 0..<256 where abs(block[j]) > amax {
                amax = abs(block[j])
                maxValue = block[j]
            }
            let iscale: Float = amax != 0 ? -127 / maxValue : 0
            for j in 0..<256 {
                let q = amax != 0 ? min(127, nearestInt(iscale * block[j])) : 0
                row.values[storageIndex(of: 256 * b + j)] = Int16(truncatingIfNeeded: q)
            }
            for g in 0..<16 {
                var sum: Int32 = 0
                for j in 0..<16 { sum += row.q8_KValue(at: 256 * b + 16 * g + j) }
                row.groupSums[16 * b + g] = Int16(truncatingIfNeeded: sum)
            }
            row.scales[b] = amax != 0 ? 1 / iscale : 0
        }
    }

    /// SIMD version of `quantizeRowReference`, bit-identical to it for finite inputs.
    package static func quantizeRow(_ x: UnsafePointer<Float>, count: Int, into row: QuantizedRow) {
        let raw = UnsafeRawPointer(x)
        for b in 0..<(count / 256) {
            let blockOffset = 1024 * b
            var m = SIMD8<Float>()
            for k in 0..<32 {
                m = lanewiseMax(m, lanewiseAbs(raw.loadUnaligned(fromByteOffset: blockOffset + 32 * k, as: SIMD8<Float>.self)))
            }
            let amax = horizontalMax(m)
            var maxValue: Float = 0
            if amax != 0 {
                let block = x + 256 * b
                for j in 0..<256 where abs(block[j]) == amax {
                    maxValue = block[j]
                    break
                }
            }
            let iscale: Float = amax != 0 ? -127 / maxValue : 0
            for s in 0..<8 {  // 8 groups of 32
                let offset = blockOffset + 128 * s
                let lo = SIMD16<Float>(lowHalf: raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self),
                                       highHalf: raw.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self))
                let hi = SIMD16<Float>(lowHalf: raw.loadUnaligned(fromByteOffset: offset + 64, as: SIMD8<Float>.self),
                                       highHalf: raw.loadUnaligned(fromByteOffset: offset + 96, as: SIMD8<Float>.self))
                let limit = SIMD8<Int32>(repeating: 127)
                var q0 = roundToNearestEven(lo.evenHalf * iscale)  // elements 0,2,…,14
                var q1 = roundToNearestEven(hi.evenHalf * iscale)  // 16,…,30
                var q2 = roundToNearestEven(lo.oddHalf * iscale)   // 1,…,15
                var q3 = roundToNearestEven(hi.oddHalf * iscale)   // 17,…,31
                q0 = q0.replacing(with: limit, where: q0 .> limit)
                q1 = q1.replacing(with: limit, where: q1 .> limit)
                q2 = q2.replacing(with: limit, where: q2 .> limit)
                q3 = q3.replacing(with: limit, where: q3 .> limit)
                let target = UnsafeMutableRawPointer(row.values + 256 * b + 32 * s)
                target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q0), toByteOffset: 0, as: SIMD8<Int16>.self)
                target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q1), toByteOffset: 16, as: SIMD8<Int16>.self)
                target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q2), toByteOffset: 32, as: SIMD8<Int16>.self)
                target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q3), toByteOffset: 48, as: SIMD8<Int16>.self)
                // Groups of 16: elements 0…15 are q0 and q2, 16…31 are q1 and q3.
                row.groupSums[16 * b + 2 * s] = Int16(truncatingIfNeeded: (q0 &+ q2).wrappedSum())
                row.groupSums[16 * b + 2 * s + 1] = Int16(truncatingIfNeeded: (q1 &+ q3).wrappedSum())
            }
            row.scales[b] = amax != 0 ? 1 / iscale : 0
        }
    }
}
