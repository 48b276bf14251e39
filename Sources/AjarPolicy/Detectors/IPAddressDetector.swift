/// Finds IP addresses: dotted-quad IPv4 (octets 0–255, no leading zeros) and IPv6 in full or
/// `::`-compressed form, optionally ending in an embedded IPv4.
///
/// IPv4 right after the words `version`, `ver`, `release` or `build` is a version string, not an
/// address. IPv6 needs a decimal digit somewhere and, when compressed, two groups and four hex
/// digits, so C++ scopes (`std::map`), Python slices (`[1::2]`), times (`12:30:45`) and MAC
/// addresses (six groups) are not addresses.
package struct IPAddressDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .ipAddress }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        // Word by word: an address starts a word (or with "::"), so the rest of a word is skipped
        // at one comparison a byte.
        while i < n {
            let byte = bytes[i]
            guard byte.isWordByte || byte == UInt8(ascii: ":") else {
                i += 1
                continue
            }
            if let end = Self.address(bytes, at: i) {
                spans.append(DetectedSpan(.ipAddress, i..<end))
                i = end
                continue
            }
            if byte == UInt8(ascii: ":") {
                i += 1
            } else {
                i += 1
                while i < n, bytes[i].isWordByte { i += 1 }
            }
        }
    }

    /// The end of an IP address starting at `i`, if one does.
    private static func address(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let n = bytes.count
        let byte = bytes[i]
        guard byte.isHexDigit || byte == UInt8(ascii: ":") else { return nil }
        if i > 0 {
            let previous = bytes[i - 1]
            if previous.isWordByte || previous == UInt8(ascii: ".") || previous == UInt8(ascii: ":")
                || previous == UInt8(ascii: "_") || previous == UInt8(ascii: "-")
            {
                return nil
            }
        }
        if byte.isASCIIDigit, let end = ipv4(bytes, from: i) {
            // A version string is skipped whole, not reported.
            return followsVersionWord(bytes, i) ? nil : end
        }
        // IPv6 needs a colon within the first five bytes ("2001:", "fe80:", "::").
        let hexRun = bytes.run(from: i, limit: 5) { $0.isHexDigit }
        guard hexRun <= 4, i + hexRun < n, bytes[i + hexRun] == UInt8(ascii: ":") else { return nil }
        let length = bytes.run(from: i, limit: 64) {
            $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".")
        }
        var end = i + length
        if end < n, bytes[end].isWordByte || bytes[end] == UInt8(ascii: "_") { return nil }
        while end > i, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
        if end - i >= 2, bytes[end - 1] == UInt8(ascii: ":"), bytes[end - 2] != UInt8(ascii: ":") { end -= 1 }
        return isIPv6(bytes, i, end) ? end : nil
    }

    /// The end of a dotted quad starting at `start` that ends its token (a port may follow), if any.
    private static func ipv4(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = bytes.count
        var k = start
        var octets = 0
        while true {
            let digits = bytes.run(from: k, limit: 4) { $0.isASCIIDigit }
            guard digits >= 1, digits <= 3 else { return nil }
            if digits > 1, bytes[k] == UInt8(ascii: "0") { return nil }
            var value = 0
            for t in k..<(k + digits) { value = value * 10 + Int(bytes[t] &- 0x30) }
            guard value <= 255 else { return nil }
            octets += 1
            k += digits
            if octets == 4 { break }
            guard k + 1 < n, bytes[k] == UInt8(ascii: "."), bytes[k + 1].isASCIIDigit else { return nil }
            k += 1
        }
        if k < n {
            let after = bytes[k]
            if after.isWordByte || after == UInt8(ascii: "_") { return nil }
            if after == UInt8(ascii: ".") || after == UInt8(ascii: "-"), k + 1 < n, bytes[k + 1].isASCIIDigit {
                return nil
            }
        }
        return k
    }

    /// Whether `bytes[start..<end]` is exactly four decimal octets.
    static func isIPv4(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var octets = 0
        var k = start
        while k < end {
            let digits = bytes.run(from: k, limit: 4) { $0.isASCIIDigit }
            guard digits >= 1, digits <= 3, k + digits <= end else { return false }
            if digits > 1, bytes[k] == UInt8(ascii: "0") { return false }
            var value = 0
            for t in k..<(k + digits) { value = value * 10 + Int(bytes[t] &- 0x30) }
            guard value <= 255 else { return false }
            octets += 1
            k += digits
            if k == end { break }
            guard bytes[k] == UInt8(ascii: "."), octets < 4 else { return false }
            k += 1
            guard k < end else { return false }
        }
        return octets == 4
    }

    private static func isIPv6(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 3, end - start <= 45 else { return false }
        var groups = 0
        var hexDigits = 0
        var hasDecimal = false
        var compressed = false
        var k = start
        if bytes[k] == UInt8(ascii: ":") {
            guard bytes.matches("::", at: k), k + 2 <= end else { return false }
            compressed = true
            k += 2
        }
        while k < end {
            let groupLength = bytes.run(from: k, limit: 5) { $0.isHexDigit }
            let groupEnd = k + groupLength
            if groupEnd < end, bytes[groupEnd] == UInt8(ascii: ".") {
                // An embedded IPv4 ends the address and counts as two groups.
                guard isIPv4(bytes, k, end) else { return false }
                groups += 2
                hasDecimal = true
                hexDigits += 4
                k = end
                break
            }
            guard groupLength >= 1, groupLength <= 4, groupEnd <= end else { return false }
            for t in k..<groupEnd where bytes[t].isASCIIDigit { hasDecimal = true }
            hexDigits += groupLength
            groups += 1
            k = groupEnd
            if k == end { break }
            guard bytes[k] == UInt8(ascii: ":") else { return false }
            if k + 1 < end, bytes[k + 1] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                k += 2
                if k == end { break }
                guard bytes[k] != UInt8(ascii: ":") else { return false }
            } else {
                k += 1
                guard k < end else { return false }
            }
        }
        guard hasDecimal else { return false }
        if compressed { return groups >= 2 && groups <= 7 && hexDigits >= 4 }
        return groups == 8
    }

    private static func followsVersionWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        var k = start
        while k > 0, bytes[k - 1] == UInt8(ascii: " ") { k -= 1 }
        guard k < start else { return false }
        var wordStart = k
        while wordStart > 0, bytes[wordStart - 1].isASCIILetter, k - wordStart < 8 { wordStart -= 1 }
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[wordStart..<k]), as: UTF8.self).lowercased()
        return word == "version" || word == "ver" || word == "release" || word == "build" || word == "v"
    }
}
