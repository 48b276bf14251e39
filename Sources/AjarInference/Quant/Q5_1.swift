/// Q5_1: blocks of 32 weights in 24 bytes (ggml-common.h `block_q5_1`):
///
///     offset 0  fp16 d      scale
///     offset 2  fp16 m      minimum
///     offset 4  qh[4]       little-endian uint32; bit j = fifth bit of element j
///     offset 8  qs[16]      byte j: low 4 bits of element j (low nibble) and j+16 (high nibble)
///
/// Weight = d·q + m, q in 0…31. Dot with Q8_1 activations (ggml `vec_dot_q5_1_q8_1`).
package enum Q5_1: Block32Format {
    package static let type = GGMLType.q5_1
    package static let blockBytes = 24
    package static let hasMinimum = true
    package static let needsEarlyWidening = false

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let byte = block.load(fromByteOffset: 8 + (j & 15), as: UInt8.self)
        let low = Int32(j < 16 ? byte & 0x0F : byte >> 4)
        return low | Int32((qh >> UInt32(j)) & 1) << 4
    }

    @inline(__always)
    package static func decodePair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> DecodedPair {
        let q = SIMD16<UInt16>(lowHalf: block0.loadUnaligned(fromByteOffset: 8, as: SIMD8<UInt16>.self),
                               highHalf: block1.loadUnaligned(fromByteOffset: 8, as: SIMD8<UInt16>.self))
        let high = highBitRuns(block0.loadUnaligned(fromByteOffset: 4, as: UInt32.self),
                               block1.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        return DecodedPair(r0: asInt16(q & mask) | high.r0, r1: asInt16((q &>> 4) & mask) | high.r1,
                           r2: asInt16((q &>> 8) & mask) | high.r2, r3: asInt16(q &>> 12) | high.r3)
    }

    @inline(__always)
    package static func decodeSingle(_ block: UnsafeRawPointer) -> DecodedSingle {
        let q = block.loadUnaligned(fromByteOffset: 8, as: SIMD8<UInt16>.self)
        let high = highBitRuns(block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let mask = SIMD8<UInt16>(repeating: 0x000F)
        return DecodedSingle(r0: asInt16(q & mask) | high.r0, r1: asInt16((q &>> 4) & mask) | high.r1,
                             r2: asInt16((q &>> 8) & mask) | high.r2, r3: asInt16(q &>> 12) | high.r3)
    }
}
