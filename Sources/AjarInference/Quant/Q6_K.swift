/// Q6_K: super-blocks of 256 weights in 210 bytes (ggml-common.h `block_q6_K`):
///
///     offset 0    ql[128]    low 4 bits
///     offset 128  qh[64]     high 2 bits
///     offset 192  scales[16] int8, one per 16 weights
///     offset 208  fp16 d     super-block scale
///
/// In each half n (128 weights; ql at 64n, qh at 128+32n, scales at 192+8n), for l in 0…31:
///   element l      = (ql[l] & 15)    | ((qh[l] >> 0) & 3) << 4
///   element l + 32 = (ql[l+32] & 15) | ((qh[l] >> 2) & 3) << 4
///   element l + 64 = (ql[l] >> 4)    | ((qh[l] >> 4) & 3) << 4
///   element l + 96 = (ql[l+32] >> 4) | ((qh[l] >> 6) & 3) << 4
/// and weight = d·scale·(q − 32), the scale of element e being scales[e / 16].
/// Dot with Q8_K activations (ggml `vec_dot_q6_K_q8_K`): d·d_a·Σ_groups scale·Σ(q−32)·a.
package enum Q6_K: QuantizedFormat {
    package static let type = GGMLType.q6_K
    package static let activationFormat = ActivationFormat.q8_K
    static let blockBytes = 210

    /// Reference: the signed quant (q − 32) of element `j` (0…255).
    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let n = j / 128, r = j % 128, part = r / 32, l = r % 32
        let ql = block.load(fromByteOffset: 64 * n + l + (part & 1) * 32, as: UInt8.self)
        let qh = block.load(fromByteOffset: 128 + 32 * n + l, as: UInt8.self)
        let low = Int32(part < 2 ? ql & 0x0F : ql >> 4)
        let high = Int32((qh >> UInt8(2 * part)) & 3)
        return (low | high << 4) - 32
    }

    @inline(__always)
    static func referenceScale(_ block: UnsafeRawPointer, _ group: Int) -> Int32 {
        Int32(block.load(fromByteOffset: 192 + group, as: Int8.self))
    }

    /// Even and odd lanes of sub-block `part` (0…3) of half `n`.
    @inline(__always)
    static func decode(_ block: UnsafeRawPointer, half n: Int, part: Int) -> (even: SIMD16<Int16>, odd: SIMD16<Int16>) {
        let v = block.loadUnaligned(fromByteOffset: 64 * n + 32 * (part & 1), as: SIMD16<UInt16>.self)
        let h = block.loadUnaligned(fromByteOffset: 128 + 32 * n, as: SIMD16<UInt16>.self)
        let mask = SIMD16<UInt16>(repeating: 0x000F), bits = SIMD16<UInt16>(repeating: 0x0030)
        let shift = UInt16(2 * part)
        let lowEven = part < 2 ? v & mask : (v &>> 4) & mask
        let lowOdd = part < 2 ? (v &>> 8) & mask : v &>> 12
        // qh bits (2·part, 2·part+1) to bit positions 4…5: even elements from the low byte of
        // each lane, odd elements from the high byte.
        let highEven = ((h &>> shift) &<< 4) & bits
        let highOdd = ((h &>> (shift + 8)) &<< 4) & bits
        let offset = SIMD16<Int16>(repeating: 32)
        return (asInt16(lowEven | highEven) &- offset, asInt16(lowOdd | highOdd) &- offset)
    }

    @inline(__always)
    static func dotRows(_ weights: UnsafeRawPointer, _ rows: (QuantizedRow, QuantizedRow, QuantizedRow, QuantizedRow),
                        tokens: Int, blocks: Int) -> SIMD4<Float> {
        var result = SIMD4<Float>()
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            var i0 = SIMD8<Int32>(), i1 = SIMD8<Int32>(), i2 = SIMD8<Int32>(), i3 = SIMD8<Int32>()
            for n in 0..<2 {
                for part in 0..<4 {
                    let w = decode(block, half: n, part: part)
                    let group = 8 * n + 2 * part  // scales of elements 0…15 and 16…31 of this sub-block
                    let s = SIMD8<Int32>(lowHalf: SIMD4(repeating: referenceScale(block, group)),
                                         highHalf: SIMD4(repeating: referenceScale(block, group + 1)))
                    let offset = 256 * b + 128 * n + 32 * part
                    @inline(__always) func accumulate(_ row: QuantizedRow, _ acc: inout SIMD8<Int32>) {
                        let a = row.valuePointer(offset)
                        // Lanes 0…3 after widening hold elements 0…15, lanes 4…7 elements 16…31.
                        acc &+= widenPairs(w.even &* loadInt16x16(a) &+ w.odd &* loadInt16x16(a, 32)) &* s
                    }
                    accumulate(rows.0, &i0)
                    if tokens > 1 { accumulate(rows.1, &i1) }
                    if tokens > 2 { accumulate(rows.2, &i2) }
                    if tokens > 3 { accumulate(rows.3, &i3) }
                }
            }
            let d = half(block, 208)
            var r = SIMD4<Float>()
            r[0] = (d * rows.0.scales[b]) * Float(i0.wrappedSum())
            if tokens > 1 { r[1] = (d * rows.1.scales[b]) * Float(i1.wrappedSum()) }
            if tokens > 2 { r[2] = (d * rows.2.scales[b]) * Float(i2.wrappedSum()) }
            if tokens > 3 { r[3] = (d * rows.3.scales[b]) * Float(i3.wrappedSum()) }
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

    /// Reference dot: exact `Σ_groups scale·Σ (q−32)·a` per super-block, then `(d·d_a)·isum`.
    package static func dotReference(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float {
        var sum: Float = 0
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            var isum: Int32 = 0
            for g in 0..<16 {
                var s: Int32 = 0
                for l in 0..<16 { s += referenceQuant(block, 16 * g + l) * activations.q8_KValue(at: 256 * b + 16 * g + l) }
                isum += referenceScale(block, g) * s
            }
            let d = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            sum += (d * activations.scales[b]) * Float(isum)
        }
        return sum
    }

    /// Reference dequantisation (ggml `dequantize_row_q6_K`): `(d·scale)·(q − 32)`, in that order.
    package static func dequantizeReference(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let d = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            for j in 0..<256 {
                destination[256 * b + j] = d * Float(referenceScale(block, j / 16)) * Float(referenceQuant(block, j))
            }
        }
    }

    /// Fast dequantisation through the same decoder, same operation order as the reference.
    package static func dequantize(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let d = half(block, 208)
            for n in 0..<2 {
                for part in 0..<4 {
                    let w = decode(block, half: n, part: part)
                    let group = 8 * n + 2 * part
                    let scale0 = d * Float(referenceScale(block, group)), scale1 = d * Float(referenceScale(block, group + 1))
                    let e0 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.even.lowHalf)) * scale0
                    let e1 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.even.highHalf)) * scale1
                    let o0 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.odd.lowHalf)) * scale0
                    let o1 = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: w.odd.highHalf)) * scale1
                    let out = UnsafeMutableRawPointer(destination + 256 * b + 128 * n + 32 * part)
                    out.storeBytes(of: interleave(SIMD16(lowHalf: e0, highHalf: o0)), as: SIMD16<Float>.self)
                    out.storeBytes(of: interleave(SIMD16(lowHalf: e1, highHalf: o1)), toByteOffset: 64, as: SIMD16<Float>.self)
                }
            }
        }
    }
}
