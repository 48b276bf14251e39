/// Q4_0: blocks of 32 weights in 18 bytes (ggml-common.h `block_q4_0`):
///
///     offset 0  fp16 d      scale
///     offset 2  qs[16]      byte j: element j in the low nibble, element j+16 in the high nibble
///
/// Weight = d·(q − 8), q in 0…15. Dot with Q8_0 values (ggml `vec_dot_q4_0_q8_0`).
package enum Q4_0: Block32Format {
    package static let type = GGMLType.q4_0
    package static let blockBytes = 18
    package static let hasMinimum = false
    package static let needsEarlyWidening = false

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let byte = block.load(fromByteOffset: 2 + (j & 15), as: UInt8.self)
        return Int32(j < 16 ? byte & 0x0F : byte >> 4) - 8
    }

    @inline(__always)
    package static func decodePair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> DecodedPair {
        let q = SIMD16<UInt16>(lowHalf: block0.loadUnaligned(fromByteOffset: 2, as: SIMD8<UInt16>.self),
                               highHalf: block1.loadUnaligned(fromByteOffset: 2, as: SIMD8<UInt16>.self))
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        let eight = SIMD16<Int16>(repeating: 8)
        return DecodedPair(r0: asInt16(q & mask) &- eight, r1: asInt16((q &>> 4) & mask) &- eight,
                           r2: asInt16((q &>> 8) & mask) &- eight, r3: asInt16(q &>> 12) &- eight)
    }

    @inline(__always)
    package static func decodeSingle(_ block: UnsafeRawPointer) -> DecodedSingle {
        let q = block.loadUnaligned(fromByteOffset: 2, as: SIMD8<UInt16>.self)
        let mask = SIMD8<UInt16>(repeating: 0x000F)
        let eight = SIMD8<Int16>(repeating: 8)
        return DecodedSingle(r0: asInt16(q & mask) &- eight, r1: asInt16((q &>> 4) & mask) &- eight,
                             r2: asInt16((q &>> 8) & mask) &- eight, r3: asInt16(q &>> 12) &- eight)
    }
}
