/// Q5_K: super-blocks of 256 weights in 176 bytes (ggml-common.h `block_q5_K`):
///
///     offset 0   fp16 d         scale of the 6-bit scales
///     offset 2   fp16 dmin      scale of the 6-bit minimums
///     offset 4   scales[12]     8 scales and 8 minimums, 6 bits each (see `kScaleAndMin`)
///     offset 16  qh[32]         bit s of byte l = fifth bit of element l of sub-block s
///     offset 48  qs[128]        low 4 bits, as in Q4_K
///
/// Weight j of sub-block s = d·sc_s·q − dmin·m_s, q in 0…31.
package enum Q5_K: KQuantFormat {
    package static let type = GGMLType.q5_K
    package static let blockBytes = 176

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let s = j / 32, l = j % 32
        let byte = block.load(fromByteOffset: 48 + 32 * (s / 2) + l, as: UInt8.self)
        let low = Int32(s % 2 == 0 ? byte & 0x0F : byte >> 4)
        let qh = block.load(fromByteOffset: 16 + l, as: UInt8.self)
        return low | Int32((qh >> UInt8(s)) & 1) << 4
    }

    @inline(__always)
    package static func decodeSubBlockPair(_ block: UnsafeRawPointer, _ i: Int)
        -> (even0: SIMD16<Int16>, odd0: SIMD16<Int16>, even1: SIMD16<Int16>, odd1: SIMD16<Int16>) {
        let v = block.loadUnaligned(fromByteOffset: 48 + 32 * i, as: SIMD16<UInt16>.self)
        let h = block.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt16>.self)
        let mask = SIMD16<UInt16>(repeating: 0x000F), bit4 = SIMD16<UInt16>(repeating: 0x0010)
        let s0 = UInt16(2 * i), s1 = UInt16(2 * i + 1)
        // Even elements read the low byte of each qh lane, odd elements the high byte.
        let even0 = (v & mask) | ((h &>> s0) &<< 4) & bit4
        let odd0 = ((v &>> 8) & mask) | ((h &>> (s0 + 8)) &<< 4) & bit4
        let even1 = ((v &>> 4) & mask) | ((h &>> s1) &<< 4) & bit4
        let odd1 = (v &>> 12) | ((h &>> (s1 + 8)) &<< 4) & bit4
        return (asInt16(even0), asInt16(odd0), asInt16(even1), asInt16(odd1))
    }
}
