// Based on: llama.cpp src/unicode.h (`unicode_cpt_flags`) and src/unicode.cpp (`unicode_cpt_flags_from_cpt`).
// The data is llama.cpp's own table (UnicodeCategoryTable.swift), not the Swift runtime's Unicode
// properties, so that `\p{L}`, `\p{N}` and `\s` agree with llama.cpp code point for code point.

/// How llama.cpp classifies one code point: exactly one general-category bit (\p{L}, \p{N}, …) plus
/// the `\s` helper bit.
struct CodepointFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt16

    /// Unassigned code point (category Cn in llama.cpp's generator).
    static let undefined = CodepointFlags(rawValue: 0x0001)
    /// `\p{N}`.
    static let number = CodepointFlags(rawValue: 0x0002)
    /// `\p{L}`.
    static let letter = CodepointFlags(rawValue: 0x0004)
    /// `\p{Z}`.
    static let separator = CodepointFlags(rawValue: 0x0008)
    /// `\p{M}`.
    static let accentMark = CodepointFlags(rawValue: 0x0010)
    /// `\p{P}`.
    static let punctuation = CodepointFlags(rawValue: 0x0020)
    /// `\p{S}`.
    static let symbol = CodepointFlags(rawValue: 0x0040)
    /// `\p{C}`.
    static let control = CodepointFlags(rawValue: 0x0080)
    /// `\s` as llama.cpp defines it (its own list of 25 code points).
    static let whitespace = CodepointFlags(rawValue: 0x0100)

    var isLetter: Bool { contains(.letter) }
    var isNumber: Bool { contains(.number) }
    var isWhitespace: Bool { contains(.whitespace) }
    var isPunctuation: Bool { contains(.punctuation) }
    /// llama.cpp's `flags.as_uint() != 0`: false only for positions outside the current piece.
    var isDefined: Bool { rawValue != 0 }

    /// The flags of `codepoint`, from a two-stage table built once from llama.cpp's ranges.
    /// Code points past U+10FFFF are `undefined`, as in llama.cpp.
    static func of(_ codepoint: UInt32) -> CodepointFlags {
        if codepoint < 128 { return CodepointFlags(rawValue: Lookup.shared.ascii[Int(codepoint)]) }
        guard codepoint < Lookup.limit else { return .undefined }
        let lookup = Lookup.shared
        let block = Int(lookup.blockIndex[Int(codepoint >> Lookup.blockShift)])
        return CodepointFlags(rawValue: lookup.blocks[block << Lookup.blockShift | Int(codepoint & Lookup.blockMask)])
    }

    /// Two-stage lookup: 4,352 blocks of 256 code points; identical blocks are stored once.
    private struct Lookup: Sendable {
        static let limit: UInt32 = 0x110000
        static let blockShift: UInt32 = 8
        static let blockMask: UInt32 = 0xFF
        static let shared = Lookup()

        /// [128] flags of ASCII, the hot path.
        let ascii: [UInt16]
        /// [0x110000 >> 8] index of each block in `blocks`.
        let blockIndex: [UInt16]
        /// [distinct blocks × 256] flags.
        let blocks: [UInt16]

        init() {
            let blockSize = 1 << Int(Self.blockShift)
            let blockCount = Int(Self.limit) >> Int(Self.blockShift)
            var flat = [UInt16](repeating: CodepointFlags.undefined.rawValue, count: Int(Self.limit))
            let ranges = UnicodeCategoryTable.ranges
            flat.withUnsafeMutableBufferPointer { buffer in
                for i in 0..<(ranges.count - 1) {
                    let start = Int(ranges[i] >> 8)
                    let end = min(Int(ranges[i + 1] >> 8), buffer.count)
                    guard start < end else { continue }
                    let flags = UInt16(ranges[i] & 0xFF)
                    buffer[start..<end].update(repeating: flags)
                }
                for codepoint in UnicodeCategoryTable.whitespace where Int(codepoint) < buffer.count {
                    buffer[Int(codepoint)] |= CodepointFlags.whitespace.rawValue
                }
            }
            var index = [UInt16]()
            index.reserveCapacity(blockCount)
            var blocks = [UInt16]()
            var seen: [ArraySlice<UInt16>: UInt16] = [:]
            for b in 0..<blockCount {
                let slice = flat[(b * blockSize)..<((b + 1) * blockSize)]
                if let existing = seen[slice] {
                    index.append(existing)
                } else {
                    let id = UInt16(seen.count)
                    seen[slice] = id
                    blocks.append(contentsOf: slice)
                    index.append(id)
                }
            }
            ascii = Array(flat[0..<128])
            blockIndex = index
            self.blocks = blocks
        }
    }
}
