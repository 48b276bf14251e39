/// Finds payment card numbers: 13–19 digits that pass the Luhn check and start with an issuer
/// prefix (Visa, Mastercard, American Express, Discover, Diners Club, JCB, UnionPay, Maestro).
///
/// Digits may be written solid or in groups joined by one kind of separator (space or `-`), the
/// first group of four (`4111 1111 1111 1111`, `3782-822463-10005`). When a grouped number runs on
/// into more digits (`4111 1111 1111 1111 12/26`), the longest prefix of whole groups that is a
/// valid card is taken. Order numbers that fail Luhn, and Unix timestamps (no issuer starts with
/// `1`), are not cards.
package struct PaymentCardDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .paymentCard }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        while i < n {
            guard bytes[i].isASCIIDigit, Self.isLeftBoundary(bytes, i) else {
                i += 1
                continue
            }
            // Fewer than 13 digits in the whole run: no card number starts anywhere in it.
            let run = bytes.numberRun(from: i)
            guard run.digits >= 13 else {
                i = max(i + 1, run.end)
                continue
            }
            // Groups: (start, end) of each digit run, joined by one separator kind.
            var groups: [(Int, Int)] = []
            var separator: UInt8 = 0
            var j = i
            var digitCount = 0
            while j < n, groups.count < 8 {
                let length = bytes.run(from: j, limit: 20) { $0.isASCIIDigit }
                groups.append((j, j + length))
                digitCount += length
                j += length
                guard digitCount <= 19, j + 1 < n else { break }
                let next = bytes[j]
                guard next == UInt8(ascii: " ") || next == UInt8(ascii: "-"), separator == 0 || separator == next,
                    bytes[j + 1].isASCIIDigit
                else { break }
                separator = next
                j += 1
            }
            if let end = Self.longestCard(bytes, groups: groups) {
                spans.append(DetectedSpan(.paymentCard, i..<end))
                i = end
            } else {
                i = groups.first.map { max(i + 1, $0.1) } ?? i + 1
            }
        }
    }

    private static func isLeftBoundary(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard i > 0 else { return true }
        let previous = bytes[i - 1]
        if previous.isWordByte || previous == UInt8(ascii: "_") || previous == UInt8(ascii: "+") { return false }
        if previous == UInt8(ascii: ".") || previous == UInt8(ascii: "-") || previous == UInt8(ascii: ",")
            || previous == UInt8(ascii: "/")
        {
            return i < 2 || !bytes[i - 2].isASCIIAlphanumeric
        }
        return true
    }

    /// The end of the longest prefix of `groups` that is a card number and ends the token, if any.
    private static func longestCard(_ bytes: UnsafeBufferPointer<UInt8>, groups: [(Int, Int)]) -> Int? {
        guard let first = groups.first else { return nil }
        if groups.count > 1, first.1 - first.0 != 4 { return nil }
        var count = groups.count
        while count >= 1 {
            defer { count -= 1 }
            let slice = groups[0..<count]
            if count > 1, !slice.dropFirst().allSatisfy({ (3...7).contains($0.1 - $0.0) }) { continue }
            var digits: [UInt8] = []
            digits.reserveCapacity(19)
            for (start, end) in slice {
                for k in start..<end { digits.append(bytes[k] &- 0x30) }
            }
            guard (13...19).contains(digits.count), let last = slice.last else { continue }
            guard isTokenEnd(bytes, last.1), hasIssuerPrefix(digits), passesLuhn(digits) else { continue }
            return last.1
        }
        return nil
    }

    private static func isTokenEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        guard end < bytes.count else { return true }
        let after = bytes[end]
        if after.isWordByte || after == UInt8(ascii: "_") { return false }
        if after == UInt8(ascii: ".") || after == UInt8(ascii: ",") || after == UInt8(ascii: "-") {
            return end + 1 >= bytes.count || !bytes[end + 1].isASCIIDigit
        }
        return true
    }

    /// The Luhn (mod 10) check over decimal digit values.
    package static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// Whether the number starts with a known issuer identification range and has its length.
    private static func hasIssuerPrefix(_ digits: [UInt8]) -> Bool {
        func prefix(_ count: Int) -> Int {
            digits.prefix(count).reduce(0) { $0 * 10 + Int($1) }
        }
        let length = digits.count
        switch digits[0] {
        case 4: return length == 13 || length == 16 || length == 19  // Visa
        case 5:
            let two = prefix(2)
            if (51...55).contains(two) { return length == 16 }  // Mastercard
            return two == 50 || (56...59).contains(two)  // Maestro
        case 2:
            return (2221...2720).contains(prefix(4)) && length == 16  // Mastercard 2-series
        case 3:
            let two = prefix(2)
            if two == 34 || two == 37 { return length == 15 }  // American Express
            if (3528...3589).contains(prefix(4)) { return length >= 16 }  // JCB
            if (300...305).contains(prefix(3)) || two == 36 || two == 38 || two == 39 { return length >= 14 }  // Diners
            return false
        case 6:
            // Discover, UnionPay, Maestro (6011, 62, 644–649, 65, 63, 67).
            return length >= 16 || (length >= 13 && prefix(2) != 60)
        default:
            return false
        }
    }
}
