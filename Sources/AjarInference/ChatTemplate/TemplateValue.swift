// Values of the Jinja subset, with the Python semantics chat templates rely on (HF transformers renders
// them with jinja2): truthiness, `==`, `str()` rendering (`None`, `True`, `['a']`) and `tojson`
// (json.dumps with ensure_ascii=False, as transformers' own `tojson` filter).

/// A value inside a chat template.
package indirect enum TemplateValue: Sendable, Equatable {
    /// A name or key that does not exist: renders as "", is false, and `is defined` is false.
    case undefined(String)
    /// `none` / Python `None`.
    case none
    case bool(Bool)
    case integer(Int)
    case double(Double)
    case string(String)
    case array([TemplateValue])
    /// A dictionary with string keys, in insertion order.
    case dictionary(TemplateDictionary)
    /// A `namespace()` object (mutable by `set ns.x = …`), an index into the render's namespace store.
    case namespace(Int)
    /// A global function (`raise_exception`, `namespace`, `range`).
    case function(String)
    /// A method looked up on a value (`text.strip`, `tool.items`), waiting to be called.
    case method(receiver: TemplateValue, name: String)

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .double(let value): return value != 0
        case .string(let value): return !value.isEmpty
        case .array(let value): return !value.isEmpty
        case .dictionary(let value): return !value.isEmpty
        case .namespace, .function, .method: return true
        }
    }

    var isDefined: Bool {
        if case .undefined = self { return false }
        return true
    }

    /// The number, if this is a bool, integer or double (Python treats bools as numbers).
    var numericValue: Double? {
        switch self {
        case .bool(let value): return value ? 1 : 0
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// Python `==`: numbers compare by value, containers element by element, different kinds are unequal.
    func pythonEquals(_ other: TemplateValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dictionary(let a), .dictionary(let b)):
            return a.count == b.count
                && a.keys.allSatisfy { key in b[key].map { a[key]?.pythonEquals($0) ?? false } ?? false }
        case (.namespace(let a), .namespace(let b)): return a == b
        default:
            if case .integer(let a) = self, case .integer(let b) = other { return a == b }
            if let a = numericValue, let b = other.numericValue { return a == b }
            return false
        }
    }

    /// Python `str()`: how `{{ value }}` renders.
    var rendered: String {
        switch self {
        case .undefined: return ""
        case .string(let value): return value
        default: return representation
        }
    }

    /// Python `repr()`, used inside rendered lists and dictionaries.
    var representation: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let value): return value ? "True" : "False"
        case .integer(let value): return String(value)
        case .double(let value): return Self.pythonFloat(value)
        case .string(let value): return Self.pythonStringRepr(value)
        case .array(let values): return "[" + values.map(\.representation).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            let items = dictionary.keys.map {
                Self.pythonStringRepr($0) + ": " + (dictionary[$0]?.representation ?? "")
            }
            return "{" + items.joined(separator: ", ") + "}"
        case .namespace: return "<Namespace>"
        case .function(let name): return "<function \(name)>"
        case .method(_, let name): return "<method \(name)>"
        }
    }

    /// A short name of the value's kind, for error messages.
    var kindName: String {
        switch self {
        case .undefined(let name): return "undefined '\(name)'"
        case .none: return "none"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .double: return "float"
        case .string: return "string"
        case .array: return "list"
        case .dictionary: return "dict"
        case .namespace: return "namespace"
        case .function, .method: return "function"
        }
    }

    /// JSON text (Python `json.dumps(value, ensure_ascii=False, indent=indent)`).
    /// - Returns: nil if the value has no JSON form (undefined, functions).
    func json(indent: Int?, depth: Int = 0) -> String? {
        switch self {
        case .undefined, .function, .method, .namespace: return nil
        case .none: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
            return Self.pythonFloat(value)
        case .string(let value): return Self.jsonString(value)
        case .array(let values):
            guard !values.isEmpty else { return "[]" }
            var parts = [String]()
            for value in values {
                guard let part = value.json(indent: indent, depth: depth + 1) else { return nil }
                parts.append(part)
            }
            return Self.jsonContainer("[", parts, "]", indent: indent, depth: depth)
        case .dictionary(let dictionary):
            guard !dictionary.isEmpty else { return "{}" }
            var parts = [String]()
            for key in dictionary.keys {
                guard let part = dictionary[key]?.json(indent: indent, depth: depth + 1) else { return nil }
                parts.append(Self.jsonString(key) + ": " + part)
            }
            return Self.jsonContainer("{", parts, "}", indent: indent, depth: depth)
        }
    }

    private static func jsonContainer(_ open: String, _ parts: [String], _ close: String, indent: Int?, depth: Int)
        -> String
    {
        guard let indent else { return open + parts.joined(separator: ", ") + close }
        let inner = String(repeating: " ", count: indent * (depth + 1))
        let outer = String(repeating: " ", count: indent * depth)
        return open + "\n" + parts.map { inner + $0 }.joined(separator: ",\n") + "\n" + outer + close
    }

    /// A JSON string literal; only `"`, `\` and control characters are escaped (ensure_ascii=False).
    static func jsonString(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 {
                    result += "\\u" + hex4(scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// Python `repr()` of a string: single quotes unless the text has a single quote and no double quote.
    static func pythonStringRepr(_ value: String) -> String {
        let quote: Unicode.Scalar = value.contains("'") && !value.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar == quote {
                    result += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\x" + String(hex4(scalar.value).suffix(2))
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result.unicodeScalars.append(quote)
        return result
    }

    /// Python `repr(float)`: shortest round-trip digits, always with a `.` or an exponent.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        var text = "\(value)"  // Swift prints the shortest round-trip form, like Python
        if let e = text.firstIndex(of: "e") {
            // Python writes "1e-05" / "1e+16": at least two exponent digits, no ".0" before "e".
            var mantissa = String(text[..<e])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            var exponent = String(text[text.index(after: e)...])
            var sign = "+"
            if exponent.hasPrefix("-") || exponent.hasPrefix("+") {
                sign = exponent.hasPrefix("-") ? "-" : "+"
                exponent.removeFirst()
            }
            if exponent.count < 2 { exponent = "0" + exponent }
            text = mantissa + "e" + sign + exponent
        }
        return text
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<4).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 0xF)] })
    }
}

/// A dictionary with string keys that remembers insertion order (Python dicts do).
package struct TemplateDictionary: Sendable, Equatable {
    /// Keys in insertion order.
    package private(set) var keys: [String] = []
    private var storage: [String: TemplateValue] = [:]

    package init() {}

    /// - Parameter pairs: entries in order; a repeated key keeps its first position and its last value.
    package init(_ pairs: [(String, TemplateValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    package var count: Int { keys.count }
    package var isEmpty: Bool { keys.isEmpty }

    package subscript(key: String) -> TemplateValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }
}
