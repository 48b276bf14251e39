import AjarStore
import Foundation

/// Escaping and small formatting helpers for the server-rendered dashboard. Every value that did
/// not come from this file's own literals goes through ``escape(_:)`` (text and attribute values
/// alike: `&`, `<`, `>`, `"` and `'` are all replaced), so a key's app name like `<script>` is text.
enum HTML {
    /// `text` safe inside an element or a quoted attribute value.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A query-string component (RFC 3986 unreserved characters kept, everything else %-encoded).
    static func queryComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `application/x-www-form-urlencoded` fields (`+` is a space; malformed escapes kept as they are).
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecoded(String(parts[0]))
            let value = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    static func percentDecoded(_ text: String) -> String {
        let replaced = text.replacingOccurrences(of: "+", with: " ")
        return replaced.removingPercentEncoding ?? replaced
    }

    /// `2026-12-02 16:25:03Z` (UTC, no locale involved).
    static func time(_ date: Date) -> String {
        let ms = date.millisecondsSince1970
        let civil = CivilDate(millisecondsSince1970: ms)
        var seconds = (ms / 1000) % 86_400
        if seconds < 0 { seconds += 86_400 }
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(civil.year)-\(two(civil.month))-\(two(civil.day)) \(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    /// Micro-USD as dollars: `$12.34`, or more digits for small amounts (`$0.000150`).
    static func usd(_ micros: Int64) -> String {
        let dollars = Double(micros) / 1_000_000
        if micros == 0 { return "$0" }
        if abs(dollars) >= 1 { return "$" + String(format: "%.2f", dollars) }
        return "$" + String(format: "%.6f", dollars)
    }

    /// A whole number with thin grouping (`12,345`).
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }
}
