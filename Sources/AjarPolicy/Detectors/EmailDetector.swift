/// Finds e-mail addresses: `local@domain.tld`.
///
/// Anchored on `@`: the local part is read leftwards (letters, digits, `.` `_` `%` `+` `-` `'`), the
/// domain rightwards. The domain needs at least two labels of 1–63 letters, digits or inner hyphens,
/// and an alphabetic top-level label of two or more letters, so `user@localhost`, `@mention`,
/// `pkg@1.2.3` and Git SHAs are not addresses. A trailing full stop ends the sentence, not the domain.
package struct EmailDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .email }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        while i < n {
            guard bytes[i] == UInt8(ascii: "@") else {
                i += 1
                continue
            }
            var start = i
            while start > 0, Self.isLocalByte(bytes[start - 1]) { start -= 1 }
            while start < i, bytes[start] == UInt8(ascii: ".") { start += 1 }
            guard start < i, bytes[i - 1] != UInt8(ascii: ".") else {
                i += 1
                continue
            }
            var end = i + 1
            while end < n, Self.isDomainByte(bytes[end]) { end += 1 }
            while end > i + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") {
                end -= 1
            }
            if Self.isValidDomain(bytes, from: i + 1, to: end) {
                spans.append(DetectedSpan(.email, start..<end))
                i = end
            } else {
                i += 1
            }
        }
    }

    @inline(__always) private static func isLocalByte(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "'")
    }

    @inline(__always) private static func isDomainByte(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    private static func isValidDomain(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end - start >= 4, end - start <= 253 else { return false }
        var labels = 0
        var labelStart = start
        var k = start
        while k <= end {
            if k == end || bytes[k] == UInt8(ascii: ".") {
                let length = k - labelStart
                guard length >= 1, length <= 63, bytes[labelStart] != UInt8(ascii: "-"),
                    bytes[k - 1] != UInt8(ascii: "-")
                else { return false }
                labels += 1
                if k == end {
                    // The top-level label: letters only, at least two.
                    guard length >= 2 else { return false }
                    for t in labelStart..<k where !bytes[t].isASCIILetter { return false }
                }
                labelStart = k + 1
            }
            k += 1
        }
        return labels >= 2
    }
}
