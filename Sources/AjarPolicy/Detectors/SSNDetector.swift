/// Finds US Social Security numbers written `AAA-GG-SSSS` (or with spaces), with the rules the SSA
/// applies: area not 000, 666 or 900–999; group not 00; serial not 0000.
///
/// Nine solid digits are not taken: without the dashes they are indistinguishable from order and
/// account numbers. A number that runs on (`123-45-6789-01`, part numbers) is not an SSN.
package struct SSNDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .ssn }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        while i + 11 <= n {
            guard bytes[i].isASCIIDigit, Self.matches(bytes, at: i) else {
                i += 1
                continue
            }
            spans.append(DetectedSpan(.ssn, i..<(i + 11)))
            i += 11
        }
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let separator = bytes[i + 3]
        guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: " "), bytes[i + 6] == separator,
            bytes[i + 1].isASCIIDigit, bytes[i + 2].isASCIIDigit, bytes[i + 4].isASCIIDigit,
            bytes[i + 5].isASCIIDigit, bytes[i + 7].isASCIIDigit, bytes[i + 8].isASCIIDigit,
            bytes[i + 9].isASCIIDigit, bytes[i + 10].isASCIIDigit
        else { return false }
        if i > 0 {
            let previous = bytes[i - 1]
            if previous.isWordByte || previous == UInt8(ascii: "_") || previous == UInt8(ascii: "+") { return false }
            if previous == UInt8(ascii: "-") || previous == UInt8(ascii: "."), i >= 2, bytes[i - 2].isASCIIDigit {
                return false
            }
        }
        let end = i + 11
        if end < bytes.count {
            let after = bytes[end]
            if after.isWordByte || after == UInt8(ascii: "_") { return false }
            // The token must end here: "123-45-6789-01" and "555-12-3456-B" are part numbers.
            if end + 1 < bytes.count {
                let next = bytes[end + 1]
                if after == UInt8(ascii: "-"), next.isWordByte { return false }
                if after == separator || after == UInt8(ascii: "."), next.isASCIIDigit { return false }
            }
        }
        func value(_ from: Int, _ count: Int) -> Int {
            (from..<(from + count)).reduce(0) { $0 * 10 + Int(bytes[$1] &- 0x30) }
        }
        let area = value(i, 3)
        let group = value(i + 4, 2)
        let serial = value(i + 7, 4)
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }
}
