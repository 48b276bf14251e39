// Based on: GPT-2's `bytes_to_unicode` (openai/gpt-2 src/encoder.py), as llama.cpp builds it in
// src/unicode.cpp (`unicode_byte_to_utf8_map`, `unicode_utf8_to_byte_map`).

/// GPT-2's reversible map between bytes and printable code points, in which byte-level BPE
/// vocabularies are written: printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for
/// themselves and the other 68 bytes become U+0100… in byte order (so a space is `Ġ`, U+0120,
/// and a newline `Ċ`, U+010A).
enum ByteLevelEncoding {
    /// [256] the code point that stands for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// [324] the byte each code point below U+0144 stands for, or -1.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 256 + 68)
        for byte in 0..<256 {
            table[Int(scalarForByte[byte])] = Int16(byte)
        }
        return table
    }()

    /// The byte `scalar` stands for, or nil if it is not one of the 256 byte symbols.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = Int(scalar.value)
        guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return nil }
        return UInt8(byteForScalar[value])
    }

    /// `bytes` written in the byte-level alphabet (how the vocabulary spells them).
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var result = String.UnicodeScalarView()
        for byte in bytes {
            if let scalar = Unicode.Scalar(scalarForByte[Int(byte)]) { result.append(scalar) }
        }
        return String(result)
    }

    /// The bytes a vocabulary entry spells, as llama.cpp's `llama_decode_text` recovers them: a code
    /// point outside the alphabet becomes the marker `[UNK_BYTE_0x…<text>]`, exactly as llama.cpp
    /// writes it.
    static func decode(_ text: String) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        append(decoding: text, to: &bytes)
        return bytes
    }

    /// Appends the bytes a vocabulary entry spells (see `decode`).
    static func append(decoding text: String, to bytes: inout [UInt8]) {
        // Fast path: the alphabet is U+0021…U+0143, one or two UTF-8 bytes per symbol, so the decoded
        // bytes never outnumber the UTF-8 bytes.
        var text = text
        let complete = text.withUTF8 { utf8 in
            byteForScalar.withUnsafeBufferPointer { table in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(utf8.count, 1)) { decoded -> Bool in
                    var i = 0
                    var n = 0
                    while i < utf8.count {
                        let lead = utf8[i]
                        let value: Int
                        if lead < 0x80 {
                            value = Int(lead)
                            i += 1
                        } else if lead & 0xE0 == 0xC0, i + 1 < utf8.count {
                            value = Int(lead & 0x1F) << 6 | Int(utf8[i + 1] & 0x3F)
                            i += 2
                        } else {
                            return false
                        }
                        guard value < table.count, table[value] >= 0 else { return false }
                        decoded[n] = UInt8(table[value])
                        n += 1
                    }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: decoded[0..<n]))
                    return true
                }
            }
        }
        guard !complete else { return }
        for scalar in text.unicodeScalars {
            if let byte = byte(for: scalar) {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for unit in String(scalar).utf8 {
                    bytes.append(contentsOf: Array(hex2(unit).utf8))
                }
                bytes.append(contentsOf: Array(text.utf8))
                bytes.append(UInt8(ascii: "]"))
            }
        }
    }

    private static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    private static func hex2(_ value: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(value >> 4)], digits[Int(value & 15)]], as: UTF8.self)
    }
}
