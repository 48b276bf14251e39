/// Q4_K: super-blocks of 256 weights in 144 bytes (ggml-common.h `block_q4_K`):
///
///     offset 0   fp16 d         scale of the 6-bit scales
///     offset 2   fp16 dmin      scale of the 6-bit minimums
///     offset 4   scales[12]     8 scales and 8 minimums, 6 bits each (see `kScaleAndMin`)
///     offset 16  qs[128]        for i in 0…3: bytes 32i…32i+31 hold sub-block 2i in their low
///                               nibbles and sub-block 2i+1 in their high nibbles
///
/// Weight j of sub-block s = d·sc_s·q − dmin·m_s, q in 0…15.
package enum Q4_K: KQuantFormat {
    package static let type = GGMLType.q4_K
    package static let blockBytes = 144

    package static func referenceQuant(_ block: UnsafeRawPointer, _ j: Int) -> Int32 {
        let s = j / 32, l = j % 32
        let byte = block.load(fromByteOffset: 16 + 32 * (s / 2) + l, as: UInt8.self)
        return Int32(s % 2 == 0 ? byte & 0x0F : byte >> 4)
    }

    @inline(__always)
    package static func decodeSubBlockPair(_ block: UnsafeRawPointer, _ i: Int)
        -> (even0: SIMD16<Int16>, odd0: SIMD16<Int16>, even1: SIMD16<Int16>, odd1: SIMD16<Int16>) {
        // Lane k of 16 UInt16 lanes holds bytes 2k and 2k+1: elements 2k and 2k+1 of both sub-blocks.
        let v = block.loadUnaligned(fromByteOffset: 16 + 32 * i, as: SIMD16<UInt16>.self)
        let mask = SIMD16<UInt16>(repeating: 0x000F)
        return (asInt16(v & mask), asInt16((v &>> 8) & mask), asInt16((v &>> 4) & mask), asInt16(v &>> 12))
    }
}
