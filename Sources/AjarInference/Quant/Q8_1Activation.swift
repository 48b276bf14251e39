/// Activation quantisation to ggml's Q8_1 (and Q8_0) values, for the dot products of Q4_0, Q4_1,
/// Q5_0, Q5_1 and Q8_0 weights. From ggml-quants.c `quantize_row_q8_1_ref` (and `_q8_0_ref`,
/// which produces the same `d` and `q`): per block of 32,
///
///     amax = max |x|,  d = amax / 127,  id = d ≠ 0 ? 1/d : 0
///     q[j] = roundf(x[j] · id)               (round half away from zero)
///     stored d = fp16(d),  s = fp16(Σq · d)   (with the unrounded d)
///
/// Output goes into a `QuantizedRow`: `d` and `s` as `Float`s holding the fp16-rounded values,
/// the quants as Int16 in the pair order of `storageIndex(of:)`. The fast path is bit-identical
/// to the reference (same operations in the same order; tested).
package enum Q8_1Activation {
    /// Where element `i` (natural order) is stored in `QuantizedRow.values`.
    ///
    /// Blocks of 32 are laid out in pairs (2p, 2p+1), 64 values per pair, as four runs of 16:
    ///   run 0: elements 0,2,…,14 of block 2p, then the same of block 2p+1
    ///   run 1: elements 16,18,…,30 of each
    ///   run 2: elements 1,3,…,15 of each
    ///   run 3: elements 17,19,…,31 of each
    /// That is the order in which 16 bytes of Q4/Q5 nibbles come apart when read as eight UInt16
    /// lanes — low nibble of the even byte, high nibble of the even byte, low of the odd, high of
    /// the odd — with two blocks side by side in one 256-bit register.
    @inline(__always)
    package static func storageIndex(of i: Int) -> Int {
        let block = i >> 5
        let e = i & 31
        let run = (e & 1) << 1 | (e >> 4)
        return (block >> 1) << 6 | run << 4 | (block & 1) << 3 | (e & 15) >> 1
    }

    /// Scalar reference. `count` must be a multiple of 32 (checked by callers).
    package static func quantizeRowReference(_ x: UnsafePointer<Float>, count: Int, into row: QuantizedRow) {
        let blocks = count / 32
        for b in 0..<blocks {
            let block = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(block[j])) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            var sum: Int32 = 0
            for j in 0..<32 {
                let q = roundedInt32(block[j] * id)
                row.values[storageIndex(of: 32 * b + j)] = Int16(truncatingIfNeeded: q)
                sum &+= q
            }
            row.scales[b] = Half.roundedThroughHalf(d)
            row.sums[b] = Half.roundedThroughHalf(Float(sum) * d)
        }
        if blocks & 1 == 1 { zeroMissingPartner(row, blocks: blocks) }
        expandScales(row, blocks: blocks)
    }

    /// SIMD version of `quantizeRowReference`, bit-identical to it for finite inputs.
    package static func quantizeRow(_ x: UnsafePointer<Float>, count: Int, into row: QuantizedRow) {
        let raw = UnsafeRawPointer(x)
        let blocks = count / 32
        for b in 0..<blocks {
            let offset = 128 * b
            let v0 = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let v1 = raw.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
            let v2 = raw.loadUnaligned(fromByteOffset: offset + 64, as: SIMD8<Float>.self)
            let v3 = raw.loadUnaligned(fromByteOffset: offset + 96, as: SIMD8<Float>.self)
            let m = lanewiseMax(lanewiseMax(lanewiseAbs(v0), lanewiseAbs(v1)), lanewiseMax(lanewiseAbs(v2), lanewiseAbs(v3)))
            let amax = horizontalMax(m)
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            let lo = SIMD16<Float>(lowHalf: v0, highHalf: v1)  // elements 0…15
            let hi = SIMD16<Float>(lowHalf: v2, highHalf: v3)  // elements 16…31
            let q0 = roundHalfAwayFromZero(lo.evenHalf * id)  // run 0
            let q1 = roundHalfAwayFromZero(hi.evenHalf * id)  // run 1
            let q2 = roundHalfAwayFromZero(lo.oddHalf * id)   // run 2
            let q3 = roundHalfAwayFromZero(hi.oddHalf * id)   // run 3
            let target = UnsafeMutableRawPointer(row.values + (b >> 1) * 64 + (b & 1) * 8)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q0), toByteOffset: 0, as: SIMD8<Int16>.self)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q1), toByteOffset: 32, as: SIMD8<Int16>.self)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q2), toByteOffset: 64, as: SIMD8<Int16>.self)
            target.storeBytes(of: SIMD8<Int16>(truncatingIfNeeded: q3), toByteOffset: 96, as: SIMD8<Int16>.self)
            let sum = ((q0 &+ q1) &+ (q2 &+ q3)).wrappedSum()
            row.scales[b] = Half.roundedThroughHalf(d)
            row.sums[b] = Half.roundedThroughHalf(Float(sum) * d)
        }
        if blocks & 1 == 1 { zeroMissingPartner(row, blocks: blocks) }
        expandScales(row, blocks: blocks)
    }

    /// Fills `pairScales`: per pair, `d` of its first block in lanes 0…3, of its second in 4…7.
    private static func expandScales(_ row: QuantizedRow, blocks: Int) {
        for p in 0..<((blocks + 1) / 2) {
            let value = SIMD8<Float>(lowHalf: SIMD4(repeating: row.scales[2 * p]), highHalf: SIMD4(repeating: row.scales[2 * p + 1]))
            UnsafeMutableRawPointer(row.pairScales + 8 * p).storeBytes(of: value, as: SIMD8<Float>.self)
        }
    }

    /// With an odd number of blocks the last pair has no second block; its lanes are zeroed so
    /// the buffer's contents never depend on earlier calls.
    private static func zeroMissingPartner(_ row: QuantizedRow, blocks: Int) {
        let base = (blocks >> 1) * 64 + 8
        for run in 0..<4 {
            (row.values + base + 16 * run).initialize(repeating: 0, count: 8)
        }
        row.scales[blocks] = 0
        row.sums[blocks] = 0
    }
}
