/// Q4_1: blocks of 32 weights in 20 bytes (ggml-common.h `block_q4_1`):
///
///     offset 0  fp16 d      scale
///     offset 2  fp16 m      minimum
///     offset 4  qs[16]      byte j: element j in the low nibble, element j+16 in the high nibble
///
/// Weight = d·q + m, q in 0…15. Dot with Q8_1 activations (ggml `vec_dot_q4_1_q8_1`):
/// Σ_blocks (d·d_a)·Σ(q·a) + m·s_a, where s_a = d_a·Σa carries the minimum.
package enum Q4_1: Block32Format {
    package static let type = GGMLType.q4_1
    package static let blockBytes = 20
    package static let hasMinimum = true
    package static let needsEarlyWidening = false

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let byte = block.load(fromByteOffset: 4 + (j & 15), as: UInt8.self)
        return Int32(j < 16 ? byte & 0x0F : byte >> 4)
    }

    @inline(__always)
    package static func decodePair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> DecodedPair {
        let q = SIMD16<UInt16>(lowHalf: block0.loadUnaligned(fromByteOffset: 4, as: SIMD8<UInt16>.self),
                               highHalf: block1.loadUnaligned(fromByteOffset: 4, as: SIMD8<UInt16>.self))
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        return DecodedPair(r0: asInt16(q & mask), r1: asInt16((q &>> 4) & mask),
                           r2: asInt16((q &>> 8) & mask), r3: asInt16(q &>> 12))
    }

    @inline(__always)
    package static func decodeSingle(_ block: UnsafeRawPointer) -> DecodedSingle {
        let q = block.loadUnaligned(fromByteOffset: 4, as: SIMD8<UInt16>.self)
        let mask = SIMD8<UInt16>(repeating: 0x000F)
        return DecodedSingle(r0: asInt16(q & mask), r1: asInt16((q &>> 4) & mask),
                             r2: asInt16((q &>> 8) & mask), r3: asInt16(q &>> 12))
    }
}
