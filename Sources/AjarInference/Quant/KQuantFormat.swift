/// Q4_K and Q5_K share a super-block of 256 weights in 8 sub-blocks of 32, each with a 6-bit
/// scale and a 6-bit minimum packed into 12 bytes, an fp16 `d` (scale of the scales) and an fp16
/// `dmin` (scale of the minimums): weight = d·sc_j·q − dmin·m_j. Sub-blocks 2i and 2i+1 take
/// their quants from the same 32 bytes (low and high nibbles). The integer dot products with
/// Q8_K activations are written once, here.
package protocol KQuantFormat: QuantizedFormat {
    /// Bytes per super-block.
    static var blockBytes: Int { get }
    /// Decodes sub-blocks 2i and 2i+1 of `block` into their even and odd element lanes
    /// (elements 0,2,…,30 and 1,3,…,31, the Q8_K activation order).
    static func decodeSubBlockPair(_ block: UnsafeRawPointer, _ i: Int)
        -> (even0: SIMD16<Int16>, odd0: SIMD16<Int16>, even1: SIMD16<Int16>, odd1: SIMD16<Int16>)
    /// Reference: the quant (0…31) of element `j` (0…255) of `block`.
    static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32
}

/// ggml's `get_scale_min_k4`: the 6-bit scale and minimum of sub-block `j` (0…7) from the
/// 12 packed bytes at `scales`. Bytes 0…3 hold scales 0…3 (low 6 bits), bytes 4…7 minimums
/// 0…3; scales and minimums 4…7 take their low 4 bits from bytes 8…11 and their top 2 bits
/// from the top bits of bytes 0…3 and 4…7.
@inline(__always)
func kScaleAndMin(_ j: Int, _ scales: UnsafeRawPointer) -> (scale: Int32, min: Int32) {
    let q = { (i: Int) in Int32(scales.load(fromByteOffset: i, as: UInt8.self)) }
    if j < 4 { return (q(j) & 63, q(j + 4) & 63) }
    return ((q(j + 4) & 0x0F) | ((q(j - 4) >> 6) << 4), (q(j + 4) >> 4) | ((q(j) >> 6) << 4))
}

extension KQuantFormat {
    package static var activationFormat: ActivationFormat { .q8_K }

    /// The eight scales and minimums of a super-block (fp16 d at 0, dmin at 2, scales at 4).
    @inline(__always)
    static func scalesAndMins(_ block: UnsafeRawPointer) -> (SIMD8<Int32>, SIMD8<Int32>) {
        var scales = SIMD8<Int32>(), mins = SIMD8<Int32>()
        for j in 0..<8 {
            let (s, m) = kScaleAndMin(j, block + 4)
            scales[j] = s
            mins[j] = m
        }
        return (scales, mins)
    }

    @inline(__always)
    static func dotRows(_ weights: UnsafeRawPointer, _ rows: (QuantizedRow, QuantizedRow, QuantizedRow, QuantizedRow),
                        tokens: Int, blocks: Int) -> SIMD4<Float> {
        var result = SIMD4<Float>()
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            let (scales, mins) = scalesAndMins(block)
            var i0 = SIMD8<Int32>(), i1 = SIMD8<Int32>(), i2 = SIMD8<Int32>(), i3 = SIMD8<Int32>()
            for i in 0..<4 {
                let w = decodeSubBlockPair(block, i)
                let s0 = SIMD8<Int32>(repeating: scales[2 * i]), s1 = SIMD8<Int32>(repeating: scales[2 * i + 1])
                let offset = 256 * b + 64 * i
                @inline(__always) func accumulate(_ row: QuantizedRow, _ acc: inout SIMD8<Int32>) {
                    let a = row.valuePointer(offset)
                    let p0 = w.even0 &* loadInt16x16(a) &+ w.odd0 &* loadInt16x16(a, 32)
                    let p1 = w.even1 &* loadInt16x16(a, 64) &+ w.odd1 &* loadInt16x16(a, 96)
                    acc &+= widenPairs(p0) &* s0 &+ widenPairs(p1) &* s1
                }
                accumulate(rows.0, &i0)
                if tokens > 1 { accumulate(rows.1, &i1) }
                if tokens > 2 { accumulate(rows.2, &i2) }
                if tokens > 3 { accumulate(rows.3, &i3) }
            }
            let (d, dmin) = (half(block), half(block, 2))
            @inline(__always) func combine(_ row: QuantizedRow, _ isum: SIMD8<Int32>) -> Float {
                let groups = widenPairs(loadInt16x16(UnsafeRawPointer(row.groupSums + 16 * b)))  // Σa per 32
                let msum = (groups &* mins).wrappedSum()
                let da = row.scales[b]
                return (d * da) * Float(isum.wrappedSum()) - (dmin * da) * Float(msum)
            }
            var r = SIMD4<Float>()
            r[0] = combine(rows.0, i0)
            if tokens > 1 { r[1] = combine(rows.1, i1) }
            if tokens > 2 { r[2] = combine(rows.2, i2) }
            if tokens > 3 { r[3] = combine(rows.3, i3) }
            result += r
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

    /// Reference dot, ggml's `vec_dot_q4_K_q8_K` arithmetic in scalar code: per super-block the
    /// exact integer `Σ_j sc_j·Σ q·a` and `Σ_j m_j·(bsum_2j + bsum_2j+1)`, then
    /// `(d·d_a)·isum − (dmin·d_a)·msum`.
    package static func dotReference(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float {
        var sum: Float = 0
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            var isum: Int32 = 0, msum: Int32 = 0
            for j in 0..<8 {
                let (scale, minimum) = kScaleAndMin(j, block + 4)
                var s: Int32 = 0
                for l in 0..<32 {
                    s += referenceQuant(block, 32 * j + l) * activations.q8_KValue(at: 256 * b + 32 * j + l)
                }
                isum += scale * s
                msum += minimum * (Int32(activations.groupSums[16 * b + 2 * j]) + Int32(activations.groupSums[16 * b + 2 * j + 1]))
            }
            let d = Half.toFloatReference(block.loadUnaligned(as: UInt16.self))
            let dmin = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let da = activations.scales[b]
            sum += (d * da) * Float(isum) - (dmin * da) * Float(msum)
        }
        return sum
    }

    /// Reference dequantisation (ggml `dequantize_row_q4_K`/`_q5_K`): `(d·sc)·q − dmin·m`.
    package static func dequantizeReference(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let d = Half.toFloatReference(block.loadUnaligned(as: UInt16.self))
            let dmin = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            for j in 0..<8 {
                let (scale, minimum) = kScaleAndMin(j, block + 4)
                let d1 = d * Float(scale), m1 = dmin * Float(minimum)
                for l in 0..<32 {
                    destination[256 * b + 32 * j + l] = d1 * Float(referenceQuant(block, 32 * j + l)) - m1
                }
            }
        }
    }

    /// Fast dequantisation through the same decoder (exact: every product here fits a float).
    package static func dequantize(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let (scales, mins) = scalesAndMins(block)
            let (d, dmin) = (half(block), half(block, 2))
            for i in 0..<4 {
                let w = decodeSubBlockPair(block, i)
                for (k, (even, odd)) in [(w.even0, w.odd0), (w.even1, w.odd1)].enumerated() {
                    let j = 2 * i + k
                    let d1 = d * Float(scales[j]), m1 = dmin * Float(mins[j])
                    let out = UnsafeMutableRawPointer(destination + 256 * b + 32 * j)
                    let e0 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: even.lowHalf)) * d1 - m1
                    let e1 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: even.highHalf)) * d1 - m1
                    let o0 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: odd.lowHalf)) * d1 - m1
                    let o1 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: odd.highHalf)) * d1 - m1
                    out.storeBytes(of: interleave(SIMD16(lowHalf: e0, highHalf: o0)), as: SIMD16<Float>.self)
                    out.storeBytes(of: interleave(SIMD16(lowHalf: e1, highHalf: o1)), toByteOffset: 64, as: SIMD16<Float>.self)
                }
            }
        }
    }
}
