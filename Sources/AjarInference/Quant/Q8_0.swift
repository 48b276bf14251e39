/// Q8_0: blocks of 32 weights in 34 bytes (ggml-common.h `block_q8_0`):
///
///     offset 0  fp16 d      scale
///     offset 2  qs[32]      int8 quants, element j at byte j
///
/// Weight = d·q. Dot with Q8_0 values (ggml `vec_dot_q8_0_q8_0`). The tied output head of the
/// default model is Q8_0.
package enum Q8_0: Block32Format {
    package static let type = GGMLType.q8_0
    package static let blockBytes = 34
    package static let hasMinimum = false
    package static let needsEarlyWidening = true

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        Int32(block.load(fromByteOffset: 2 + j, as: Int8.self))
    }

    @inline(__always)
    package static func decodePair(_ block0: UnsafeRawPointer, _ block1: UnsafeRawPointer) -> DecodedPair {
        // Read as Int16 lanes, lane k of bytes 0…15 is (element 2k, element 2k+1).
        let low = SIMD16<Int16>(lowHalf: block0.loadUnaligned(fromByteOffset: 2, as: SIMD8<Int16>.self),
                                highHalf: block1.loadUnaligned(fromByteOffset: 2, as: SIMD8<Int16>.self))
        let high = SIMD16<Int16>(lowHalf: block0.loadUnaligned(fromByteOffset: 18, as: SIMD8<Int16>.self),
                                 highHalf: block1.loadUnaligned(fromByteOffset: 18, as: SIMD8<Int16>.self))
        return DecodedPair(r0: (low &<< 8) &>> 8, r1: (high &<< 8) &>> 8, r2: low &>> 8, r3: high &>> 8)
    }

    @inline(__always)
    package static func decodeSingle(_ block: UnsafeRawPointer) -> DecodedSingle {
        let low = block.loadUnaligned(fromByteOffset: 2, as: SIMD8<Int16>.self)
        let high = block.loadUnaligned(fromByteOffset: 18, as: SIMD8<Int16>.self)
        return DecodedSingle(r0: (low &<< 8) &>> 8, r1: (high &<< 8) &>> 8, r2: low &>> 8, r3: high &>> 8)
    }
}
