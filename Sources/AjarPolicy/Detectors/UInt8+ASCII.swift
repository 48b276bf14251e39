// Byte classification shared by the hand-written scanners. Inlined comparisons, no tables, so the
// hot loops have nothing to load but the text.

extension UInt8 {
    @inline(__always) var isASCIIDigit: Bool { self &- 0x30 < 10 }
    @inline(__always) var isASCIIUpper: Bool { self &- 0x41 < 26 }
    @inline(__always) var isASCIILower: Bool { self &- 0x61 < 26 }
    @inline(__always) var isASCIILetter: Bool { (self | 0x20) &- 0x61 < 26 }
    @inline(__always) var isASCIIAlphanumeric: Bool { isASCIIDigit || isASCIILetter }
    @inline(__always) var isHexDigit: Bool { isASCIIDigit || (self | 0x20) &- 0x61 < 6 }
    /// A byte that continues a word for boundary checks: ASCII letters and digits, and any non-ASCII
    /// byte (so a match never starts or ends inside a word in another script).
    @inline(__always) var isWordByte: Bool { isASCIIAlphanumeric || self >= 0x80 }
    /// A byte of an API token: letters, digits, `_` and `-`.
    @inline(__always) var isTokenByte: Bool { isASCIIAlphanumeric || self == 0x5F || self == 0x2D }
    @inline(__always) var asciiLowercased: UInt8 { isASCIIUpper ? self | 0x20 : self }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether the bytes at `offset` equal `literal` (ASCII), without reading past the end.
    @inline(__always) func matches(_ literal: StaticString, at offset: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset >= 0, offset + count <= self.count else { return false }
        let start = literal.utf8Start
        for k in 0..<count where self[offset + k] != start[k] { return false }
        return true
    }

    /// The number of consecutive bytes from `offset` that satisfy `predicate`, stopping at `limit`.
    @inline(__always) func run(from offset: Int, limit: Int = .max, while predicate: (UInt8) -> Bool) -> Int {
        var end = offset
        let stop = Swift.min(count, offset &+ Swift.min(limit, count))
        while end < stop, predicate(self[end]) { end += 1 }
        return end - offset
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Counts the digits of the number-like run at `offset`: digits joined by at most two
    /// consecutive separators (space, `-`, `.`, `(`, `)`, `+`). A cheap upper bound on the digits
    /// of any phone or card number inside the run, so short numbers are skipped without allocating.
    /// - Returns: the digit count and where the run ends.
    @inline(__always) func numberRun(from offset: Int) -> (digits: Int, end: Int) {
        var j = offset
        var digits = 0
        var separators = 0
        while j < count {
            let byte = self[j]
            if byte.isASCIIDigit {
                digits += 1
                separators = 0
            } else if separators < 2,
                byte == 0x20 || byte == 0x2D || byte == 0x2E || byte == 0x28 || byte == 0x29 || byte == 0x2B
            {
                separators += 1
            } else {
                break
            }
            j += 1
        }
        return (digits, j)
    }
}
