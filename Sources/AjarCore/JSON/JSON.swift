/// A JSON value. Objects keep their keys in document order, because order carries meaning in
/// places a gateway must pass on untouched (a JSON schema's `properties` decide the order in
/// which a model writes the keys of a structured answer).
package enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer literal that fits in 64 bits (no fraction, no exponent).
    case int(Int64)
    /// Any other number. Always finite: the parser refuses literals that overflow a `Double`.
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

/// A JSON object: keys in document order, looked up by a linear scan (request objects are small;
/// a scan over a handful of keys beats hashing them).
package struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    package private(set) var keys: [String]
    package private(set) var values: [JSON]

    package init() {
        keys = []
        values = []
    }

    package init(dictionaryLiteral elements: (String, JSON)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }

    package var count: Int { keys.count }
    package var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`; setting `nil` removes the key, setting a new key appends it.
    package subscript(key: String) -> JSON? {
        get {
            guard let index = keys.firstIndex(of: key) else { return nil }
            return values[index]
        }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue {
                    values[index] = newValue
                } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Appends without checking for an existing key (the parser's fast path; JSON allows
    /// duplicate keys and lookups then find the first one).
    package mutating func append(_ key: String, _ value: JSON) {
        keys.append(key)
        values.append(value)
    }

    package func makeIterator() -> Zip2Sequence<[String], [JSON]>.Iterator {
        zip(keys, values).makeIterator()
    }
}

// MARK: - Reading values

extension JSON {
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as an `Int`, for integer literals and for doubles that hold a whole number.
    package var intValue: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .double(let value): return Int(exactly: value)
        default: return nil
        }
    }

    package var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    package var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    package var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// `self[key]` for an object, `nil` for anything else.
    package subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The name of the value's JSON type, for error messages.
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral,
    ExpressibleByFloatLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int64) { self = .int(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(arrayLiteral elements: JSON...) { self = .array(elements) }
    package init(nilLiteral: ()) { self = .null }
    package init(dictionaryLiteral elements: (String, JSON)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSON {
    /// `.int` for integers that fit, `.double` otherwise.
    package init(_ value: Int) { self = .int(Int64(value)) }
    package init(_ value: Double) { self = value.isFinite ? .double(value) : .null }
    package init(_ value: String) { self = .string(value) }
    package init(_ value: Bool) { self = .bool(value) }
    /// `.null` for `nil`.
    package init(_ value: String?) { self = value.map(JSON.string) ?? .null }
}
