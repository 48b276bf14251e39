// Based on: the safetensors format description (huggingface/safetensors README, "Format"), read
// and checked here without the reference library.
//
// Layout of a `.safetensors` file:
//
//   1. 8 bytes     N, unsigned little-endian 64-bit: the byte length of the header.
//   2. N bytes     the header, UTF-8 JSON: one object whose keys are tensor names and whose values
//                  are `{"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]}`.
//                  The special key `"__metadata__"` maps to an object of string → string. The
//                  header may be padded at its end with spaces (0x20).
//   3. the rest    the data buffer. `data_offsets` are relative to its first byte (8 + N), `end` is
//                  exclusive, `end − begin` equals the element count × the dtype's size, tensors do
//                  not overlap, and elements are little-endian and row-major (C order).
//
// Everything a kernel later relies on is checked here once: the header length against the file
// size, each entry's fields and types, the byte size against the shape, the ranges against the
// buffer, and that no two ranges overlap.

import Foundation

/// Why a safetensors file was refused; each case says what is wrong and where.
package enum SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped (the system's message).
    case io(String)
    /// The file is shorter than the 8-byte header length.
    case truncatedHeaderLength(fileSize: Int)
    /// The header length is larger than what follows it in the file (or absurdly large).
    case headerLengthOutOfRange(length: UInt64, fileSize: Int)
    /// The header is not UTF-8 JSON with an object at the top (the parser's message).
    case invalidHeader(String)
    /// A tensor entry lacks a field, or a field has the wrong type or value.
    case invalidEntry(tensor: String, detail: String)
    /// A `dtype` string the format does not define.
    case unknownDType(tensor: String, dtype: String)
    /// `end − begin` is not the element count × element size of the declared shape.
    case sizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
    /// The byte range lies outside the data buffer.
    case dataOutOfBounds(tensor: String, begin: Int, end: Int, bufferSize: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(String, String)
    /// A tensor the caller needs is not in the file.
    case missingTensor(String)
    /// A tensor has a shape other than the one the caller needs.
    case unexpectedShape(tensor: String, expected: [Int], actual: [Int])
    /// A tensor's dtype cannot be read as floats (only F32, F16 and BF16 can).
    case notFloatingPoint(tensor: String, dtype: String)

    package var description: String {
        switch self {
        case .io(let message): "cannot read the safetensors file: \(message)"
        case .truncatedHeaderLength(let size): "safetensors file of \(size) bytes is too short for its 8-byte header length"
        case .headerLengthOutOfRange(let length, let size):
            "safetensors header length \(length) does not fit in a file of \(size) bytes"
        case .invalidHeader(let message): "safetensors header is not a JSON object: \(message)"
        case .invalidEntry(let tensor, let detail): "safetensors tensor '\(tensor)': \(detail)"
        case .unknownDType(let tensor, let dtype): "safetensors tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .sizeMismatch(let tensor, let expected, let actual):
            "safetensors tensor '\(tensor)' spans \(actual) bytes but its shape and dtype need \(expected)"
        case .dataOutOfBounds(let tensor, let begin, let end, let size):
            "safetensors tensor '\(tensor)' bytes \(begin)..<\(end) lie outside the \(size)-byte data buffer"
        case .overlappingTensors(let a, let b): "safetensors tensors '\(a)' and '\(b)' overlap"
        case .missingTensor(let name): "safetensors file has no tensor '\(name)'"
        case .unexpectedShape(let tensor, let expected, let actual):
            "safetensors tensor '\(tensor)' has shape \(actual), expected \(expected)"
        case .notFloatingPoint(let tensor, let dtype):
            "safetensors tensor '\(tensor)' is \(dtype), not F32, F16 or BF16"
        }
    }
}

/// Element types that the safetensors format defines. Only `F32`, `F16` and `BF16` can be read as
/// floats; the others are accepted in a file (checkpoints carry e.g. an `I64` `position_ids`
/// buffer) so that their ranges can be validated.
package enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
    case u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
    case u32 = "U32", i32 = "I32", f32 = "F32"
    case u64 = "U64", i64 = "I64", f64 = "F64"

    /// Bytes per element.
    package var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: 1
        case .u16, .i16, .f16, .bf16: 2
        case .u32, .i32, .f32: 4
        case .u64, .i64, .f64: 8
        }
    }
}

/// One tensor's entry in the header, validated.
package struct SafetensorsTensorInfo: Sendable, Equatable {
    package let name: String
    package let dtype: SafetensorsDType
    /// Dimensions, outermost first (row-major: the last one is contiguous). `[]` is a scalar.
    package let shape: [Int]
    /// Offset of the first byte from the start of the file (not of the data buffer).
    package let fileOffset: Int
    package let byteCount: Int
    /// Product of `shape` (1 for a scalar).
    package var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file with a validated header.
///
/// `Sendable`: the mapping is read-only and the index is immutable.
package struct SafetensorsFile: Sendable {
    /// Headers larger than this are refused before parsing (the format's reference reader uses 100 MB).
    package static let maximumHeaderLength: UInt64 = 100_000_000

    package let mapping: MappedFile
    /// Tensors by name.
    package let tensors: [String: SafetensorsTensorInfo]
    /// The optional `__metadata__` object.
    package let metadata: [String: String]

    /// Maps and validates the file at `path`.
    /// - Throws: `SafetensorsError` naming the first problem found.
    package init(path: String) throws(SafetensorsError) {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw .io(error.description)
        }
        try self.init(mapping: mapping)
    }

    /// Validates a file that is already mapped (tests build files in memory).
    /// - Throws: `SafetensorsError` naming the first problem found.
    package init(mapping: MappedFile) throws(SafetensorsError) {
        let bytes = mapping.bytes
        guard bytes.count >= 8 else { throw .truncatedHeaderLength(fileSize: bytes.count) }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= Self.maximumHeaderLength, length <= UInt64(bytes.count - 8) else {
            throw .headerLengthOutOfRange(length: length, fileSize: bytes.count)
        }
        let headerEnd = 8 + Int(length)
        let headerData = Data(bytes[8..<headerEnd])
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: headerData)
        } catch {
            throw .invalidHeader(Self.describe(error))
        }

        let bufferSize = bytes.count - headerEnd
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(begin: Int, end: Int, name: String)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard case .object(let dictionary) = value else {
                    throw .invalidEntry(tensor: name, detail: "__metadata__ is not an object")
                }
                for (key, item) in dictionary {
                    guard case .string(let text) = item else {
                        throw .invalidEntry(tensor: name, detail: "__metadata__ value of '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            let info = try Self.parseEntry(name: name, value: value, headerEnd: headerEnd, bufferSize: bufferSize)
            tensors[name] = info
            ranges.append((info.fileOffset - headerEnd, info.fileOffset - headerEnd + info.byteCount, name))
        }
        // Empty tensors occupy no bytes and cannot overlap anything.
        ranges.removeAll { $0.begin == $0.end }
        ranges.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.name < $1.name) }
        for i in ranges.indices.dropFirst() where ranges[i].begin < ranges[i - 1].end {
            throw .overlappingTensors(ranges[i - 1].name, ranges[i].name)
        }
        self.mapping = mapping
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func parseEntry(
        name: String, value: JSONValue, headerEnd: Int, bufferSize: Int
    ) throws(SafetensorsError) -> SafetensorsTensorInfo {
        guard case .object(let entry) = value else { throw .invalidEntry(tensor: name, detail: "not an object") }
        guard case .string(let dtypeName) = entry["dtype"] else {
            throw .invalidEntry(tensor: name, detail: "missing or non-string dtype")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw .unknownDType(tensor: name, dtype: dtypeName) }
        guard case .array(let shapeValues) = entry["shape"] else {
            throw .invalidEntry(tensor: name, detail: "missing or non-array shape")
        }
        var shape: [Int] = []
        var elements = 1
        for item in shapeValues {
            guard case .integer(let dimension) = item, dimension >= 0 else {
                throw .invalidEntry(tensor: name, detail: "shape \(shapeValues) has a non-integer or negative dimension")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .invalidEntry(tensor: name, detail: "shape \(shapeValues) overflows") }
            elements = product
            shape.append(dimension)
        }
        guard case .array(let offsets) = entry["data_offsets"], offsets.count == 2,
            case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1]
        else {
            throw .invalidEntry(tensor: name, detail: "data_offsets is not a pair of integers")
        }
        guard begin >= 0, end >= begin, end <= bufferSize else {
            throw .dataOutOfBounds(tensor: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expected == end - begin else {
            throw .sizeMismatch(tensor: name, expectedBytes: overflow ? Int.max : expected, actualBytes: end - begin)
        }
        return SafetensorsTensorInfo(
            name: name, dtype: dtype, shape: shape, fileOffset: headerEnd + begin, byteCount: end - begin)
    }

    /// A short reason from a `DecodingError`, without Swift's type dump.
    private static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return context.debugDescription
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
                return context.debugDescription
            @unknown default: return "\(decoding)"
            }
        }
        return "\(error)"
    }

    /// The tensor `name`, checked to have `shape`.
    /// - Throws: `.missingTensor` or `.unexpectedShape`.
    package func info(_ name: String, shape: [Int]) throws(SafetensorsError) -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw .missingTensor(name) }
        guard info.shape == shape else { throw .unexpectedShape(tensor: name, expected: shape, actual: info.shape) }
        return info
    }

    /// The elements of `name` converted to `Float`, row-major, after checking its shape.
    /// - Throws: `.missingTensor`, `.unexpectedShape`, or `.notFloatingPoint` for other dtypes.
    package func floats(_ name: String, shape: [Int]) throws(SafetensorsError) -> [Float] {
        let info = try info(name, shape: shape)
        return try floats(info)
    }

    /// The elements of a tensor of this file converted to `Float`, row-major.
    /// - Throws: `.notFloatingPoint` when the dtype is not F32, F16 or BF16.
    package func floats(_ info: SafetensorsTensorInfo) throws(SafetensorsError) -> [Float] {
        let count = info.elementCount
        // In range: checked against the buffer in `init` (fileOffset + byteCount ≤ file size).
        guard count > 0, let base = mapping.bytes.baseAddress else { return [] }
        let source = base.advanced(by: info.fileOffset)
        let type: GGMLType
        switch info.dtype {
        case .f32: type = .f32
        case .f16: type = .f16
        case .bf16: type = .bf16
        default:
            throw .notFloatingPoint(tensor: info.name, dtype: info.dtype.rawValue)
        }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { FloatFormats.dequantize(type, source, count: count, into: base) }
            initialized = count
        }
    }
}
