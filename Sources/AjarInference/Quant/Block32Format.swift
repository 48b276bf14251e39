/// The four 16-lane runs of a pair of decoded 32-element blocks (see `Q8_1Activation.storageIndex`):
/// run 0 = elements 0,2,…,14 of both blocks, run 1 = 16,…,30, run 2 = 1,…,15, run 3 = 17,…,31.
package struct DecodedPair {
    package var r0, r1, r2, r3: SIMD16<Int16>
}

/// The same four runs for a single block (the last one of an odd count), 8 lanes each.
package struct DecodedSingle {
    package var r0, r1, r2, r3: SIMD8<Int16>
}

/// A weight format with blocks of 32 that starts with an fp16 scale `d` (Q4_0, Q4_1, Q5_0, Q5_1,
/// Q8_0) and is multiplied with Q8_1 activations. A conforming type says how to decode its
/// quants; the integer dot products are written once, here, for all of them.
package protocol Block32Format: QuantizedFormat {
    /// Bytes per block.
    static var blockBytes: Int { get }
    /// Whether the block stores a minimum `m` (fp16 at offset 2) that adds `m·s` per block.
    static var hasMinimum: Bool { get }
    /// Whether four products per Int16 lane can overflow (Q8_0: 4·128·127 > 32767), so the kernel
    /// widens after every two runs instead of after all four.
    static var needsEarlyWidening: Bool { get }
    /// Decodes two blocks into the four runs (signed quants, offsets applied).
    static func decodePair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> DecodedPair
    /// Decodes one block into the four runs.
    static func decodeSingle(_ block: UnsafeRawPointer) -> DecodedSingle
    /// Reference: the signed integer quant of element `j` (0…31, natural order) of `block`, offset
    /// applied (e.g. `q − 8` for Q4_0), straight from the format description.
    static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32
}

extension Block32Format {
    package static var activationFormat: ActivationFormat { .q8_1 }

    /// `Σ` of two blocks' products per 32-bit lane: lanes 0…3 belong to the first block, 4…7 to
    /// the second. Products of runs are summed in Int16 (exact: |w·a| ≤ 31·127 or 16·127, four
    /// per lane; Q8_0 widens after two) and widened by sign-extending each half of a 32-bit lane.
    @inline(__always)
    static func pairSums(_ w: DecodedPair, _ a: UnsafeRawPointer) -> SIMD8<Int32> {
        let p0 = w.r0 &* loadInt16x16(a) &+ w.r2 &* loadInt16x16(a, 64)
        let p1 = w.r1 &* loadInt16x16(a, 32) &+ w.r3 &* loadInt16x16(a, 96)
        if needsEarlyWidening { return widenPairs(p0) &+ widenPairs(p1) }
        return widenPairs(p0 &+ p1)
    }

    /// Same for a single block (lanes 0…3 only).
    @inline(__always)
    static func singleSums(_ w: DecodedSingle, _ a: UnsafeRawPointer) -> SIMD4<Int32> {
        let l = { (offset: Int) in a.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int16>.self) }
        let p0 = w.r0 &* l(0) &+ w.r2 &* l(64)
        let p1 = w.r1 &* l(32) &+ w.r3 &* l(96)
        if needsEarlyWidening { return widenPairs(p0) &+ widenPairs(p1) }
        return widenPairs(p0 &+ p1)
    }

    /// `(d0, d1)` and, if the format has one, `(m0, m1)` of two blocks.
    @inline(__always)
    static func scalesOfPair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> (d: SIMD2<Float>, m: SIMD2<Float>) {
        if hasMinimum {
            let v = Half.toFloat4(SIMD4<UInt16>(lowHalf: block0.loadUnaligned(as: SIMD2<UInt16>.self),
                                                highHalf: block1.loadUnaligned(as: SIMD2<UInt16>.self)))
            return (v.evenHalf, v.oddHalf)
        }
        let d = SIMD2<UInt16>(block0.loadUnaligned(as: UInt16.self), block1.loadUnaligned(as: UInt16.self))
        return (Half.toFloat2(d), SIMD2())
    }

    /// Dot products of one weight row with `tokens` (1…4) activation rows at once. Each weight
    /// pair is decoded once; per token the integer sums are scaled by `d·d_a` per block (lanes 0…3
    /// and 4…7) and accumulated in float lanes. The minimums `Σ m·s_a` are summed in a second,
    /// cheap pass over the row (it stays in L1), which keeps the main loop within the 16 vector
    /// registers; horizontal sums happen once per row.
    @inline(__always)
    static func dotRows(_ weights: UnsafeRawPointer, _ rows: (QuantizedRow, QuantizedRow, QuantizedRow, QuantizedRow),
                        tokens: Int, blocks: Int) -> SIMD4<Float> {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        let pairs = blocks / 2
        for p in 0..<pairs {
            let block0 = weights + blockBytes * 2 * p
            let block1 = block0 + blockBytes
            let w = decodePair(block0, block1)
            let d = scalesOfPair(block0, block1).d
            let dLanes = SIMD8<Float>(lowHalf: SIMD4(repeating: d[0]), highHalf: SIMD4(repeating: d[1]))
            @inline(__always) func accumulate(_ row: QuantizedRow, _ acc: inout SIMD8<Float>) {
                let isum = pairSums(w, row.valuePointer(64 * p))
                let scale = dLanes * UnsafeRawPointer(row.pairScales + 8 * p).loadUnaligned(as: SIMD8<Float>.self)
                acc += SIMD8<Float>(isum) * scale
            }
            accumulate(rows.0, &acc0)
            if tokens > 1 { accumulate(rows.1, &acc1) }
            if tokens > 2 { accumulate(rows.2, &acc2) }
            if tokens > 3 { accumulate(rows.3, &acc3) }
        }
        var result = SIMD4(acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum())
        if hasMinimum {
            var min0 = SIMD2<Float>(), min1 = SIMD2<Float>(), min2 = SIMD2<Float>(), min3 = SIMD2<Float>()
            for p in 0..<pairs {
                let block0 = weights + blockBytes * 2 * p
                let m = scalesOfPair(block0, block0 + blockBytes).m
                @inline(__always) func sums(_ row: QuantizedRow) -> SIMD2<Float> {
                    UnsafeRawPointer(row.sums + 2 * p).loadUnaligned(as: SIMD2<Float>.self)
                }
                min0 += m * sums(rows.0)
                if tokens > 1 { min1 += m * sums(rows.1) }
                if tokens > 2 { min2 += m * sums(rows.2) }
                if tokens > 3 { min3 += m * sums(rows.3) }
            }
            result += SIMD4(min0.sum(), min1.sum(), min2.sum(), min3.sum())
        }
        let b = 2 * pairs
        if b < blocks {  // odd block count: the last block alone, in the lower lanes of its pair
            let block = weights + blockBytes * b
            let w = decodeSingle(block)
            let d = half(block)
            let m: Float = hasMinimum ? half(block, 2) : 0
            @inline(__always) func single(_ row: QuantizedRow) -> Float {
                let isum = singleSums(w, row.valuePointer(32 * b))
                return Float(isum.wrappedSum()) * (d * row.scales[b]) + (hasMinimum ? m * row.sums[b] : 0)
            }
            result[0] += single(rows.0)
            if tokens > 1 { result[1] += single(rows.1) }
            if tokens > 2 { result[2] += single(rows.2) }
            if tokens > 3 { result[3] += single(rows.3) }
        }
        return result
    }

    @inline(__always)
    package static func dot(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float {
        dotRows(weights, (activations, activations, activations, activations), tokens: 1, blocks: blocks)[0]
    }

    @inline(__always)
    package static func dot4(_ weights: UnsafeRawPointer, _ batch: QuantizedBatch, token: Int, blocks: Int) -> SIMD4<Float> {
        dotRows(weights, (batch.row(token), batch.row(token + 1), batch.row(token + 2), batch.row(token + 3)),
                tokens: 4, blocks: blocks)
    }

    /// Fast dequantisation through the same decoder: `d·q (+ m)` per element.
    package static func dequantize(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let w = decodeSingle(block)
            let d = half(block)
            // Runs hold elements (0,2,…,14), (16,…,30), (1,…,15), (17,…,31).
            var lowEven = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.r0)) * d
            var highEven = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.r1)) * d
            var lowOdd = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.r2)) * d
            var highOdd = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.r3)) * d
            if hasMinimum {
                let m = half(block, 2)
                lowEven += m
                highEven += m
                lowOdd += m
                highOdd += m
            }
            let low = SIMD16<Float>(lowHalf: lowEven, highHalf: lowOdd)
            let high = SIMD16<Float>(lowHalf: highEven, highHalf: highOdd)
            let out = UnsafeMutableRawPointer(destination + 32 * b)
            out.storeBytes(of: interleave(low), as: SIMD16<Float>.self)
            out.storeBytes(of: interleave(high), toByteOffset: 64, as: SIMD16<Float>.self)
        }
    }

    /// Reference dequantisation: `x = d·q (+ m)`, with q from `referenceQuant`.
    package static func dequantizeReference(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let d = Half.toFloatReference(block.loadUnaligned(as: UInt16.self))
            let m = hasMinimum ? Half.toFloatReference(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : 0
            for j in 0..<32 {
                let x = Float(referenceQuant(block, j)) * d
                destination[32 * b + j] = hasMinimum ? x + m : x
            }
        }
    }

    /// Reference dot: exact integer sum per block over natural-order elements, combined as ggml's
    /// generic `vec_dot`: `Σ (d·d_a)·isum (+ m·s_a)`.
    package static func dotReference(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float {
        var sum: Float = 0
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            var isum: Int32 = 0
            for j in 0..<32 {
                isum += referenceQuant(block, j) * activations.q8_1Value(at: 32 * b + j)
            }
            let d = Half.toFloatReference(block.loadUnaligned(as: UInt16.self))
            sum += d * activations.scales[b] * Float(isum)
            if hasMinimum {
                let m = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                sum += m * activations.sums[b]
            }
        }
        return sum
    }
}

/// `[a0…a7, b0…b7]` → `[a0, b0, a1, b1, …, a7, b7]`.
@inline(__always)
func interleave(_ v: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(v[0], v[8], v[1], v[9], v[2], v[10], v[3], v[11], v[4], v[12], v[5], v[13], v[6], v[14], v[7], v[15])
}
/// Sums the two Int16 halves of each 32-bit lane, sign-extended: 16 Int16 lanes → 8 Int32 lanes.
@inline(__always)
func widenPairs(_ v: SIMD16<Int16>) -> SIMD8<Int32> {
    let x = unsafeBitCast(v, to: SIMD8<Int32>.self)
    return ((x &<< 16) &>> 16) &+ (x &>> 16)
}

/// 8 Int16 lanes → 4 Int32 lanes, summing pairs.
@inline(__always)
func widenPairs(_ v: SIMD8<Int16>) -> SIMD4<Int32> {
    let x = unsafeBitCast(v, to: SIMD4<Int32>.self)
    return ((x &<< 16) &>> 16) &+ (x &>> 16)
}
