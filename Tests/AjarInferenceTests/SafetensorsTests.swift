import Foundation
import Testing

@testable import AjarInference

/// Safetensors files built in memory: valid ones read back exactly, and every kind of bad header
/// gives a `SafetensorsError` naming the problem (never a crash).
@Suite struct SafetensorsTests {
    /// `[8-byte length][header][data]`.
    static func file(header: String, data: [UInt8], lengthOverride: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (lengthOverride ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + headerBytes + data
    }

    static func parse(_ bytes: [UInt8]) throws(SafetensorsError) -> SafetensorsFile {
        let mapping: MappedFile
        do { mapping = try MappedFile(copying: bytes) } catch { throw .io(error.description) }
        return try SafetensorsFile(mapping: mapping)
    }

    static func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    static func halfBytes(_ bits: [UInt16]) -> [UInt8] {
        bits.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    /// F32 [2,3] at 0..<24, F16 [2] at 24..<28, BF16 [2] at 28..<32, I64 [1] at 32..<40, plus metadata
    /// and header padding.
    static let validHeader = """
        {"__metadata__":{"format":"pt"},
         "a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},
         "h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},
         "b":{"dtype":"BF16","shape":[2],"data_offsets":[28,32]},
         "ids":{"dtype":"I64","shape":[1],"data_offsets":[32,40]}}     
        """
    static let validData = floatBytes([1, -2, 3.5, 0, 1e-3, 65504]) + halfBytes([0x3C00, 0xC000])
        + halfBytes([0x3F80, 0x4049]) + [UInt8](repeating: 7, count: 8)

    @Test("a valid file reads back: F32 exactly, F16 and BF16 converted, metadata kept, I64 indexed")
    func validFile() throws {
        let file = try Self.parse(Self.file(header: Self.validHeader, data: Self.validData))
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.count == 4)
        #expect(try file.floats("a", shape: [2, 3]) == [1, -2, 3.5, 0, 1e-3, 65504])
        #expect(try file.floats("h", shape: [2]) == [1, -2])
        #expect(try file.floats("b", shape: [2]) == [1, 3.140625])
        #expect(file.tensors["ids"]?.dtype == .i64)
        #expect(throws: SafetensorsError.notFloatingPoint(tensor: "ids", dtype: "I64")) {
            try file.floats("ids", shape: [1])
        }
        #expect(throws: SafetensorsError.missingTensor("nope")) { try file.floats("nope", shape: [1]) }
        #expect(throws: SafetensorsError.unexpectedShape(tensor: "a", expected: [3, 2], actual: [2, 3])) {
            try file.floats("a", shape: [3, 2])
        }
    }

    @Test("files shorter than the 8-byte length are refused", arguments: [0, 1, 7])
    func tooShort(count: Int) {
        #expect(throws: SafetensorsError.truncatedHeaderLength(fileSize: count)) {
            try Self.parse([UInt8](repeating: 0, count: count))
        }
    }

    @Test("a header length past the end of the file (a truncated file) is refused")
    func truncatedHeader() {
        let whole = Self.file(header: Self.validHeader, data: Self.validData)
        let cut = Array(whole.prefix(40))
        #expect(throws: SafetensorsError.headerLengthOutOfRange(length: UInt64(Self.validHeader.utf8.count), fileSize: 40)) {
            try Self.parse(cut)
        }
        #expect(throws: SafetensorsError.headerLengthOutOfRange(length: UInt64.max, fileSize: 10)) {
            try Self.parse(Self.file(header: "{}", data: [], lengthOverride: UInt64.max))
        }
    }

    @Test("a data buffer cut short puts tensors out of bounds")
    func truncatedData() {
        let bytes = Self.file(header: Self.validHeader, data: Array(Self.validData.prefix(30)))
        #expect(throws: SafetensorsError.self) { try Self.parse(bytes) }
        do {
            _ = try Self.parse(bytes)
        } catch {
            switch error {
            case .dataOutOfBounds(_, _, let end, let size): #expect(end > size && size == 30)
            default: Issue.record("unexpected \(error)")
            }
        }
    }

    @Test(
        "corrupt headers are refused with the matching error",
        arguments: [
            ("{\"a\":", "invalidHeader"),
            ("[1,2,3]", "invalidHeader"),
            ("\u{FF}\u{FE}", "invalidHeader"),
            ("{\"a\":3}", "invalidEntry"),
            ("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "invalidEntry"),
            ("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", "unknownDType"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "invalidEntry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "invalidEntry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}", "invalidEntry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "invalidEntry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "dataOutOfBounds"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", "dataOutOfBounds"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]}}", "dataOutOfBounds"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "sizeMismatch"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", "invalidEntry"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "overlappingTensors"),
            ("{\"__metadata__\":{\"k\":1}}", "invalidEntry"),
            ("{\"__metadata__\":[]}", "invalidEntry"),
        ])
    func corruptHeaders(header: String, expected: String) {
        let bytes = Self.file(header: header, data: [UInt8](repeating: 0, count: 16))
        do {
            let file = try Self.parse(bytes)
            Issue.record("accepted \(header): \(file.tensors.keys.sorted())")
        } catch {
            let name = Mirror(reflecting: error).children.first?.label ?? "\(error)"
            #expect(name == expected, "\(header) → \(error)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test("a missing file is an I/O error, not a crash")
    func missingFile() {
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/nonexistent/model.safetensors") }
    }

    @Test("empty tensors are allowed and overlap nothing")
    func emptyTensors() throws {
        let header = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        let file = try Self.parse(Self.file(header: header, data: Self.floatBytes([5])))
        #expect(try file.floats("e", shape: [0, 3]).isEmpty)
        #expect(try file.floats("a", shape: [1]) == [5])
    }
}
