/// Q5_0: blocks of 32 weights in 22 bytes (ggml-common.h `block_q5_0`):
///
///     offset 0  fp16 d      scale
///     offset 2  qh[4]       little-endian uint32; bit j = fifth bit of element j
///     offset 6  qs[16]      byte j: low 4 bits of element j (low nibble) and j+16 (high nibble)
///
/// Weight = d·(q − 16), q in 0…31. Dot with Q8_0 values (ggml `vec_dot_q5_0_q8_0`).
package enum Q5_0: Block32Format {
    package static let type = GGMLType.q5_0
    package static let blockBytes = 22
    package static let hasMinimum = false
    package static let needsEarlyWidening = false

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let qh = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let byte = block.load(fromByteOffset: 6 + (j & 15), as: UInt8.self)
        let low = Int32(j < 16 ? byte & 0x0F : byte >> 4)
        return (low | Int32((qh >> UInt32(j)) & 1) << 4) - 16
    }

    @inline(__always)
    package static func decodePair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> DecodedPair {
        let q = SIMD16<UInt16>(lowHalf: block0.loadUnaligned(fromByteOffset: 6, as: SIMD8<UInt16>.self),
                               highHalf: block1.loadUnaligned(fromByteOffset: 6, as: SIMD8<UInt16>.self))
        let high = highBitRuns(block0.loadUnaligned(fromByteOffset: 2, as: UInt32.self),
                               block1.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        let sixteen = SIMD16<Int16>(repeating: 16)
        return DecodedPair(r0: (asInt16(q & mask) | high.r0) &- sixteen, r1: (asInt16((q &>> 4) & mask) | high.r1) &- sixteen,
                           r2: (asInt16((q &>> 8) & mask) | high.r2) &- sixteen, r3: (asInt16(q &>> 12) | high.r3) &- sixteen)
    }

    @inline(__always)
    package static func decodeSingle(_ block: UnsafeRawPointer) -> DecodedSingle {
        let q = block.loadUnaligned(fromByteOffset: 6, as: SIMD8<UInt16>.self)
        let high = highBitRuns(block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let mask = SIMD8<UInt16>(repeating: 0x000F)
        let sixteen = SIMD8<Int16>(repeating: 16)
        return DecodedSingle(r0: (asInt16(q & mask) | high.r0) &- sixteen, r1: (asInt16((q &>> 4) & mask) | high.r1) &- sixteen,
                             r2: (asInt16((q &>> 8) & mask) | high.r2) &- sixteen, r3: (asInt16(q &>> 12) | high.r3) &- sixteen)
    }
}
