/// Finds telephone numbers in E.164 form and in common national formats.
///
/// A candidate is a run of digit groups joined by single separators (space, `-`, `.`), with at most
/// one parenthesised group, that does not continue a longer token. It is a phone number when:
/// - it starts with `+`: 8–15 digits in all (E.164: `+44 20 7946 0958`, `+14155550123`);
/// - it is North American: groups 3-3-4, or 1-3-3-4 starting with `1`, area code 2–9 first, with one
///   separator style or a parenthesised area code (`(415) 555-0123`, `415.555.0123`);
/// - it has a trunk prefix `0` (then a non-zero digit) and 10–12 digits, as in most European
///   numbering plans (`020 7946 0958`, `030 12345678`, `06-12345678`); dotted only in pairs
///   (`01.23.45.67.89`).
///
/// Dates (`2024-01-15`), times, version strings, ISBNs, IPv4 addresses, SSNs (3-2-4) and card
/// numbers (4-4-4-4) fail these shapes. Bare 10-digit numbers without a trunk `0` are not taken:
/// they are as often order or account numbers.
package struct PhoneDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .phone }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        while i < n {
            let byte = bytes[i]
            let startsCandidate =
                byte.isASCIIDigit
                || ((byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")) && i + 1 < n && bytes[i + 1].isASCIIDigit)
            guard startsCandidate, Self.isLeftBoundary(bytes, i) else {
                i += 1
                continue
            }
            // Fewer than 8 digits in the whole run: no phone number starts anywhere in it.
            let run = bytes.numberRun(from: i)
            guard run.digits >= 8 else {
                i = max(i + 1, run.end)
                continue
            }
            let (end, isPhone) = Self.match(bytes, from: i)
            if isPhone { spans.append(DetectedSpan(.phone, i..<end)) }
            // A run that is not a phone number is skipped whole: its tail ("0532 0130 00" of an
            // IBAN, the last groups of a card) is not a phone number either.
            i = max(i + 1, end)
        }
    }

    private static func isLeftBoundary(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard i > 0 else { return true }
        let previous = bytes[i - 1]
        if previous.isWordByte || previous == UInt8(ascii: "+") || previous == UInt8(ascii: "_") { return false }
        // A separator right after a digit or letter continues that token ("v1.2-555…", "12/05").
        if previous == UInt8(ascii: ".") || previous == UInt8(ascii: "-") || previous == UInt8(ascii: "/")
            || previous == UInt8(ascii: ":") || previous == UInt8(ascii: ",")
        {
            return i < 2 || !bytes[i - 2].isWordByte
        }
        return true
    }

    /// Reads the candidate at `start`.
    /// - Returns: where it ends and whether it is a phone number.
    private static func match(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (Int, Bool) {
        let n = bytes.count
        var j = start
        let hasPlus = bytes[j] == UInt8(ascii: "+")
        if hasPlus { j += 1 }
        var lengths: [Int] = []
        var ends: [Int] = []
        var separators: [UInt8] = []
        var parenGroup = -1
        var totalDigits = 0
        var firstDigit: UInt8 = 0
        var secondDigit: UInt8 = 0
        while true {
            var inParens = false
            if j < n, bytes[j] == UInt8(ascii: "("), parenGroup < 0 {
                inParens = true
                parenGroup = lengths.count
                j += 1
            }
            let digits = bytes.run(from: j, limit: 16) { $0.isASCIIDigit }
            guard digits > 0, lengths.count < 8 else { return (j, false) }
            if totalDigits == 0 {
                firstDigit = bytes[j]
                if digits >= 2 { secondDigit = bytes[j + 1] }
            } else if totalDigits == 1 {
                secondDigit = bytes[j]
            }
            lengths.append(digits)
            totalDigits += digits
            j += digits
            if j < n, bytes[j].isASCIIDigit { return (j, false) }  // a group longer than 16 digits
            if inParens {
                guard j < n, bytes[j] == UInt8(ascii: ")") else { return (j, false) }
                j += 1
                if j < n, bytes[j].isASCIIDigit {
                    ends.append(j)
                    separators.append(UInt8(ascii: ")"))
                    continue
                }
            }
            ends.append(j)
            guard j + 1 < n else { break }
            let separator = bytes[j]
            guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".")
            else { break }
            let next = bytes[j + 1]
            let opensGroup = next == UInt8(ascii: "(") && parenGroup < 0 && j + 2 < n && bytes[j + 2].isASCIIDigit
            guard next.isASCIIDigit || opensGroup else { break }
            separators.append(separator)
            j += 1
        }
        // The longest prefix of whole groups that ends the token and is a phone number: trailing
        // space-separated groups may be another number ("+1 415 555 0123 24/7").
        var count = lengths.count
        var end = j
        var digits = totalDigits
        while count >= 1 {
            if endsToken(bytes, end),
                classify(
                    hasPlus: hasPlus, lengths: Array(lengths[0..<count]),
                    separators: Array(separators[0..<(count - 1)]),
                    parenGroup: parenGroup < count ? parenGroup : -1, totalDigits: digits, firstDigit: firstDigit,
                    secondDigit: secondDigit)
            {
                return (end, true)
            }
            guard count > 1, separators[count - 2] == UInt8(ascii: " ") else { break }
            digits -= lengths[count - 1]
            count -= 1
            end = ends[count - 1]
        }
        return (j, false)
    }

    /// Whether a number ending at `end` ends its token: not followed by a letter or digit, or by a
    /// separator and a digit.
    private static func endsToken(_ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        let n = bytes.count
        guard end < n else { return true }
        let after = bytes[end]
        if after.isWordByte || after == UInt8(ascii: "@") || after == UInt8(ascii: "_") { return false }
        if after == UInt8(ascii: ".") || after == UInt8(ascii: "-") || after == UInt8(ascii: "/")
            || after == UInt8(ascii: ":"), end + 1 < n, bytes[end + 1].isASCIIDigit
        {
            return false
        }
        return true
    }

    private static func classify(
        hasPlus: Bool, lengths: [Int], separators: [UInt8], parenGroup: Int, totalDigits: Int,
        firstDigit: UInt8, secondDigit: UInt8
    ) -> Bool {
        if hasPlus {
            return (8...15).contains(totalDigits) && firstDigit != UInt8(ascii: "0")
        }
        let uniform = separators.allSatisfy { $0 == separators.first }
        // North American Numbering Plan.
        if lengths == [3, 3, 4] || (lengths == [1, 3, 3, 4] && firstDigit == UInt8(ascii: "1")) {
            let areaIndex = lengths.count == 4 ? 1 : 0
            if parenGroup >= 0 { return parenGroup == areaIndex }
            if lengths.count == 3, firstDigit < UInt8(ascii: "2") { return false }
            if lengths.count == 4, separators.first == UInt8(ascii: ".") { return false }
            return uniform
        }
        // Trunk prefix 0 (most of Europe, UK, Australia).
        guard firstDigit == UInt8(ascii: "0"), secondDigit != UInt8(ascii: "0"), (10...12).contains(totalDigits)
        else { return false }
        if separators.contains(UInt8(ascii: ".")) {
            return uniform && lengths.dropFirst().allSatisfy { $0 == 2 }
        }
        return lengths.allSatisfy { $0 >= 2 } && (parenGroup < 0 || parenGroup == 0)
    }
}
