// The fake vendors read requests with Foundation's `JSONSerialization` and write answers with
// this small ordered JSON value. Both are deliberately independent of Ajar's own JSON code, so a
// bug there cannot hide itself by being shared here.

import Foundation

/// A JSON value whose objects keep their keys in the order written, so that answers come out
/// in the order the vendors document them.
enum FakeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    /// A float32, written in its shortest round-trip form (embedding values).
    case float(Float)
    case string(String)
    case array([FakeJSON])
    case object([Member])

    /// One key and its value inside an object.
    struct Member: Sendable, Equatable {
        var key: String
        var value: FakeJSON
    }

    /// Compact UTF-8 JSON text. Non-ASCII characters are written as raw UTF-8, as the vendors do.
    var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// `serialized` as bytes.
    var bytes: [UInt8] { Array(serialized.utf8) }

    private func write(to out: inout String) {
        switch self {
        case .null:
            out += "null"
        case .bool(let value):
            out += value ? "true" : "false"
        case .int(let value):
            out += String(value)
        case .double(let value):
            // JSON has no NaN or infinity; the fake never produces them, but never emit invalid JSON.
            out += value.isFinite ? String(value) : "0"
        case .float(let value):
            out += value.isFinite ? String(value) : "0"
        case .string(let value):
            Self.writeString(value, to: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension FakeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: FakeJSON...) { self = .array(elements) }
    /// Keeps the literal's order.
    init(dictionaryLiteral elements: (String, FakeJSON)...) {
        self = .object(elements.map { Member(key: $0.0, value: $0.1) })
    }
    init(nilLiteral: ()) { self = .null }
}

extension FakeJSON {
    /// A string, or `null` when absent.
    static func string(orNull value: String?) -> FakeJSON {
        value.map { .string($0) } ?? .null
    }

    /// Converts a value produced by `JSONSerialization` (objects get their keys sorted, so the
    /// result is deterministic).
    init(foundation value: Any) {
        switch value {
        case let dictionary as [String: Any]:
            self = .object(
                dictionary.keys.sorted().map { key in
                    Member(key: key, value: FakeJSON(foundation: dictionary[key] ?? NSNull()))
                }
            )
        case let array as [Any]:
            self = .array(array.map { FakeJSON(foundation: $0) })
        case let string as String:
            self = .string(string)
        case let number as NSNumber:
            if Self.isBoolean(number) {
                self = .bool(number.boolValue)
            } else if let int = Int(exactly: number.doubleValue), !Self.hasFraction(number) {
                self = .int(int)
            } else {
                self = .double(number.doubleValue)
            }
        default:
            self = .null
        }
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        // Foundation keeps JSON booleans as a distinct NSNumber type ("c" / "B").
        let type = String(cString: number.objCType)
        return type == "c" || type == "B"
    }

    private static func hasFraction(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "d" || type == "f"
    }
}

// MARK: - Reading requests

/// Reads a request body with `JSONSerialization`.
enum FakeRequestJSON {
    /// The top-level object, or `nil` when the body is not a JSON object.
    static func object(from body: [UInt8]) -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        return value as? [String: Any]
    }

    /// Compact JSON text of a Foundation value with sorted keys (for echoing tool inputs and
    /// results back as text).
    static func text(of value: Any) -> String {
        FakeJSON(foundation: value).serialized
    }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func array(_ key: String) -> [Any]? { self[key] as? [Any] }
    func objects(_ key: String) -> [[String: Any]]? { self[key] as? [[String: Any]] }
    /// An integer, also when written as `5.0`.
    func int(_ key: String) -> Int? {
        guard let number = self[key] as? NSNumber, !Self.isBool(number) else { return nil }
        return Int(exactly: number.doubleValue)
    }
    func bool(_ key: String) -> Bool? {
        guard let number = self[key] as? NSNumber, Self.isBool(number) else { return nil }
        return number.boolValue
    }
    func has(_ key: String) -> Bool {
        guard let value = self[key] else { return false }
        return !(value is NSNull)
    }

    private static func isBool(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "c" || type == "B"
    }
}
