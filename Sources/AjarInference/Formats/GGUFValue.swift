/// The type tag of a GGUF metadata value (`enum gguf_type` in ggml's gguf.h).
package enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    /// One byte, 0 or 1.
    case bool = 7
    /// uint64 byte length, then UTF-8 bytes.
    case string = 8
    /// uint32 element type, uint64 count, then the elements.
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    /// Bytes a value of this type occupies at the least: its size for scalars, the length prefix
    /// for strings, type + count for arrays. Used to reject impossible counts before allocating.
    package var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    package var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .float32: "float32"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float64: "float64"
        }
    }
}

/// One GGUF metadata value, of any of the thirteen GGUF value types; arrays may nest.
package enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    /// The element type is kept so an empty array still says what it holds.
    case array(GGUFValueType, [GGUFValue])
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The GGUF type tag of this value.
    package var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .float32: .float32
        case .bool: .bool
        case .string: .string
        case .array: .array
        case .uint64: .uint64
        case .int64: .int64
        case .float64: .float64
        }
    }

    /// Any integer value that fits in `Int`; `nil` for other types or out-of-range `uint64`.
    package var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(exactly: v)
        default: nil
        }
    }

    /// Any numeric value as `Double` (integers converted, floats widened); `nil` otherwise.
    package var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        case .uint64(let v): Double(v)
        case .int64(let v): Double(v)
        default: int.map(Double.init)
        }
    }

    /// Any numeric value as `Float`; `nil` otherwise.
    package var float: Float? { double.map(Float.init) }

    /// The string, if this is a string.
    package var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The flag, if this is a bool.
    package var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, if this is an array.
    package var array: [GGUFValue]? {
        if case .array(_, let elements) = self { return elements }
        return nil
    }

    /// The elements of an array of strings (e.g. `tokenizer.ggml.tokens`); `nil` for anything else.
    package var stringArray: [String]? {
        guard case .array(.string, let elements) = self else { return nil }
        return elements.map { $0.string ?? "" }
    }

    /// The elements of an array of integers (e.g. `tokenizer.ggml.token_type`); `nil` if this is
    /// not an integer array or an element does not fit in `Int`.
    package var intArray: [Int]? {
        guard case .array(_, let elements) = self else { return nil }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let v = element.int else { return nil }
            result.append(v)
        }
        return result
    }

    /// The elements of a numeric array as `Float` (e.g. `tokenizer.ggml.scores`); `nil` otherwise.
    package var floatArray: [Float]? {
        guard case .array(_, let elements) = self else { return nil }
        var result: [Float] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let v = element.float else { return nil }
            result.append(v)
        }
        return result
    }
}
