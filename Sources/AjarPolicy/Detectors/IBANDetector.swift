/// Finds International Bank Account Numbers: a country code, two check digits and the national
/// account number, with the length that country registers (ISO 13616), passing the mod-97 check.
///
/// Written solid (`DE89370400440532013000`) or in groups of four (`DE89 3704 0044 0532 0130 00`);
/// letters in either case. The country length table rejects most random letter-digit tokens before
/// the checksum is computed, and mod-97 rejects 96 in 97 of the rest.
package struct IBANDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .iban }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        // Word by word: an IBAN starts a word, so the rest of a word is skipped at one comparison a byte.
        while i + 15 <= n {
            let a = bytes[i]
            guard a.isWordByte else {
                i += 1
                continue
            }
            if a.isASCIILetter, bytes[i + 1].isASCIILetter, bytes[i + 2].isASCIIDigit, bytes[i + 3].isASCIIDigit,
                i == 0 || !bytes[i - 1].isWordByte
            {
                let key = UInt16(a.asciiLowercased &- 0x20) << 8 | UInt16(bytes[i + 1].asciiLowercased &- 0x20)
                if let length = Self.lengths[key], let end = Self.match(bytes, from: i, length: length) {
                    spans.append(DetectedSpan(.iban, i..<end))
                    i = end
                    continue
                }
            }
            i += 1
            while i < n, bytes[i].isWordByte { i += 1 }
        }
    }

    /// Reads `length` alphanumerics from `start`, allowing one space after every fourth, and checks
    /// the token ends there and passes mod-97. Returns the end offset.
    private static func match(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, length: Int) -> Int? {
        let n = bytes.count
        var characters: [UInt8] = []
        characters.reserveCapacity(length)
        var j = start
        while characters.count < length, j < n {
            let byte = bytes[j]
            if byte.isASCIIAlphanumeric {
                characters.append(byte.isASCIILower ? byte &- 0x20 : byte)
                j += 1
            } else if byte == UInt8(ascii: " "), characters.count % 4 == 0, j + 1 < n, bytes[j + 1].isASCIIAlphanumeric
            {
                j += 1
            } else {
                return nil
            }
        }
        guard characters.count == length else { return nil }
        if j < n, bytes[j].isWordByte { return nil }
        return passesMod97(characters) ? j : nil
    }

    /// ISO 7064 mod 97-10 over the rearranged IBAN (first four characters moved to the end, letters
    /// as 10–35). `characters` are upper-case ASCII letters and digits.
    package static func passesMod97(_ characters: [UInt8]) -> Bool {
        guard characters.count > 4 else { return false }
        var remainder = 0
        for byte in characters[4...] + characters[..<4] {
            if byte.isASCIIDigit {
                remainder = (remainder * 10 + Int(byte &- 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int(byte &- 0x41) + 10) % 97
            }
        }
        return remainder == 1
    }

    /// IBAN length by country code (two upper-case letters packed into 16 bits), from the SWIFT
    /// IBAN registry.
    private static let lengths: [UInt16: Int] = {
        let table: [(String, Int)] = [
            ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16), ("BG", 22),
            ("BH", 22), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24), ("DE", 22),
            ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18), ("FO", 18), ("FR", 27),
            ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28),
            ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20),
            ("LB", 28), ("LC", 32), ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21), ("MC", 27), ("MD", 24),
            ("ME", 22), ("MK", 19), ("MR", 27), ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15), ("PK", 24),
            ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("SA", 24), ("SC", 31),
            ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("ST", 25), ("SV", 28), ("TL", 23), ("TN", 24),
            ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
        ]
        var lengths: [UInt16: Int] = [:]
        for (code, length) in table {
            let utf8 = Array(code.utf8)
            lengths[UInt16(utf8[0]) << 8 | UInt16(utf8[1])] = length
        }
        return lengths
    }()
}
