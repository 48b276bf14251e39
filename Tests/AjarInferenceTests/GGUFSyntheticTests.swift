import Foundation
import Testing

@testable import AjarInference

/// A tiny GGUF writer for tests: every field can be given raw, so tests can also write files that
/// are wrong on purpose (unknown type ids, misaligned offsets, impossible counts).
struct GGUFTestWriter {
    enum Entry {
        case value(String, GGUFValue)
        /// A key with a raw type id and raw value bytes.
        case raw(String, typeID: UInt32, bytes: [UInt8])
    }

    struct Tensor {
        var name: String
        var dims: [UInt64]
        var typeID: UInt32
        /// Offset within the data section; `nil` = next aligned position.
        var offset: UInt64?
        var data: [UInt8]
        /// Overrides the dimension count written (to test n_dims checks).
        var dimensionCount: UInt32?
    }

    var magic: UInt32 = 0x4655_4747
    var version: UInt32 = 3
    var entries: [Entry] = []
    var tensors: [Tensor] = []
    /// Overrides the counts written in the header.
    var tensorCountOverride: UInt64?
    var kvCountOverride: UInt64?
    /// Alignment used to place data (does not write the key; add `general.alignment` for that).
    var alignment = 32

    mutating func add(_ key: String, _ value: GGUFValue) { entries.append(.value(key, value)) }

    mutating func addTensor(_ name: String, type: GGMLType, shape: [Int], data: [UInt8]) {
        tensors.append(Tensor(name: name, dims: shape.map(UInt64.init), typeID: type.rawValue, offset: nil, data: data))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func putString(_ s: String) { put(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
        func putValue(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): put(x)
            case .int8(let x): put(x)
            case .uint16(let x): put(x)
            case .int16(let x): put(x)
            case .uint32(let x): put(x)
            case .int32(let x): put(x)
            case .float32(let x): put(x.bitPattern)
            case .bool(let x): put(UInt8(x ? 1 : 0))
            case .string(let s): putString(s)
            case .array(let type, let elements):
                put(type.rawValue)
                put(UInt64(elements.count))
                elements.forEach(putValue)
            case .uint64(let x): put(x)
            case .int64(let x): put(x)
            case .float64(let x): put(x.bitPattern)
            }
        }
        put(magic)
        put(version)
        put(tensorCountOverride ?? UInt64(tensors.count))
        put(kvCountOverride ?? UInt64(entries.count))
        for entry in entries {
            switch entry {
            case .value(let key, let value):
                putString(key)
                put(value.type.rawValue)
                putValue(value)
            case .raw(let key, let typeID, let bytes):
                putString(key)
                put(typeID)
                out.append(contentsOf: bytes)
            }
        }
        var offsets: [UInt64] = []
        var next: UInt64 = 0
        for t in tensors {
            let offset = t.offset ?? next
            offsets.append(offset)
            if offset < 1 << 20 {
                next = max(next, (offset + UInt64(t.data.count) + UInt64(alignment) - 1) / UInt64(alignment) * UInt64(alignment))
            }
        }
        for (t, offset) in zip(tensors, offsets) {
            putString(t.name)
            put(t.dimensionCount ?? UInt32(t.dims.count))
            t.dims.forEach { put($0) }
            put(t.typeID)
            put(offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (t, offset) in zip(tensors, offsets) where offset < 1 << 20 {  // absurd offsets: header only
            let end = dataStart + Int(offset) + t.data.count
            if out.count < end { out.append(contentsOf: [UInt8](repeating: 0, count: end - out.count)) }
            out.replaceSubrange((dataStart + Int(offset))..<end, with: t.data)
        }
        return out
    }

    func parse() throws(GGUFError) -> GGUFFile {
        let mapping: MappedFile
        do { mapping = try MappedFile(copying: bytes()) } catch { throw .io(error) }
        return try GGUFFile(mapping: mapping)
    }
}

@Suite struct GGUFSyntheticTests {
    static let everyScalar: [(String, GGUFValue)] = [
        ("u8", .uint8(200)), ("i8", .int8(-100)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(-1.5e-3)),
        ("bool.true", .bool(true)), ("bool.false", .bool(false)), ("string", .string("héllo ✓ \u{0}")),
        ("u64", .uint64(.max)), ("i64", .int64(.min)), ("f64", .float64(3.141592653589793)),
    ]

    @Test("every scalar value type round-trips through write and parse")
    func scalarsRoundTrip() throws {
        var writer = GGUFTestWriter()
        for (key, value) in Self.everyScalar { writer.add(key, value) }
        let file = try writer.parse()
        #expect(file.version == 3)
        #expect(file.metadataKeys == Self.everyScalar.map(\.0))
        for (key, value) in Self.everyScalar {
            #expect(file[key] == value, "key \(key)")
        }
        #expect(file.tensors.isEmpty)
    }

    @Test("arrays of every type round-trip, including empty, string and nested arrays")
    func arraysRoundTrip() throws {
        var writer = GGUFTestWriter()
        for (key, value) in Self.everyScalar {
            writer.add("array.\(key)", .array(value.type, [value, value]))
        }
        writer.add("array.empty", .array(.int32, []))
        writer.add("array.strings", .array(.string, [.string("a"), .string(""), .string("<0x0A>")]))
        let inner1 = GGUFValue.array(.uint8, [.uint8(1), .uint8(2)])
        let inner2 = GGUFValue.array(.uint8, [])
        writer.add("array.nested", .array(.array, [inner1, inner2]))
        writer.add("array.deep", .array(.array, [.array(.array, [.array(.float32, [.float32(1)])])]))
        let file = try writer.parse()
        for (key, value) in Self.everyScalar {
            #expect(file["array.\(key)"] == .array(value.type, [value, value]), "key \(key)")
        }
        #expect(file["array.empty"] == .array(.int32, []))
        #expect(file["array.strings"]?.stringArray == ["a", "", "<0x0A>"])
        #expect(file["array.nested"] == .array(.array, [inner1, inner2]))
        #expect(file["array.deep"]?.array?.first?.array?.first?.floatArray == [1])
    }

    @Test("value accessors convert between compatible types and refuse others")
    func accessors() {
        #expect(GGUFValue.uint32(7).int == 7)
        #expect(GGUFValue.uint64(.max).int == nil)
        #expect(GGUFValue.int8(-3).double == -3)
        #expect(GGUFValue.float32(1e-5).float == 1e-5)
        #expect(GGUFValue.string("x").int == nil)
        #expect(GGUFValue.bool(true).bool == true)
        #expect(GGUFValue.array(.int32, [.int32(1), .int32(-2)]).intArray == [1, -2])
        #expect(GGUFValue.array(.int32, [.int32(1)]).stringArray == nil)
        #expect(GGUFValue.array(.float32, [.float32(0.5)]).floatArray == [0.5])
    }

    @Test("version 2 files are read like version 3")
    func version2() throws {
        var writer = GGUFTestWriter()
        writer.version = 2
        writer.add("general.architecture", .string("llama"))
        #expect(try writer.parse().version == 2)
    }

    @Test("tensor infos and data come back at their aligned offsets, with a custom alignment")
    func tensorsRoundTrip() throws {
        var writer = GGUFTestWriter()
        writer.alignment = 64
        writer.add("general.alignment", .uint32(64))
        let floats: [Float] = (0..<12).map { Float($0) * 0.25 }
        let floatBytes = floats.withUnsafeBytes { Array($0) }
        writer.addTensor("norm.weight", type: .f32, shape: [12], data: floatBytes)
        let q4: [UInt8] = (0..<(3 * 2 * 20)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        writer.addTensor("blk.0.w", type: .q4_1, shape: [96, 2], data: q4)
        writer.addTensor("cube", type: .f16, shape: [2, 3, 4], data: [UInt8](repeating: 0x3C, count: 48))
        let file = try writer.parse()
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors.map(\.name) == ["norm.weight", "blk.0.w", "cube"])
        let norm = try #require(file.tensor("norm.weight"))
        #expect(Array(try #require(norm.floats)) == floats)
        let w = try file.requireTensor("blk.0.w", shape: [96, 2], types: [.q4_1])
        #expect(w.rowCount == 2 && w.rowLength == 96 && w.rowBytes == 60 && w.byteCount == 120)
        #expect(Array(UnsafeRawBufferPointer(start: w.data, count: w.byteCount)) == q4)
        #expect(Int(bitPattern: w.data) % 64 == 0)
        let cube = try #require(file.tensor("cube"))
        #expect(cube.shape == [2, 3, 4] && cube.rowCount == 12 && cube.elementCount == 24)
        #expect(file.tensor("missing") == nil)
    }

    @Test("requireTensor names the tensor and what was expected")
    func requireTensorErrors() throws {
        var writer = GGUFTestWriter()
        writer.addTensor("a", type: .f32, shape: [4], data: [UInt8](repeating: 0, count: 16))
        let file = try writer.parse()
        #expect(throws: GGUFError.missingTensor("b")) { try file.requireTensor("b") }
        #expect(throws: GGUFError.unexpectedTensor(tensor: "a", expected: "shape [8]", found: "shape [4]")) {
            try file.requireTensor("a", shape: [8])
        }
        #expect(throws: GGUFError.unexpectedTensor(tensor: "a", expected: "type q8_0", found: "type f32")) {
            try file.requireTensor("a", types: [.q8_0])
        }
        #expect(throws: GGUFError.unexpectedMetadata(key: "k", expected: "integer", found: "nothing")) {
            try file.requireInt("k")
        }
    }

    @Test("row access refuses rows outside the tensor")
    func rowBounds() throws {
        var writer = GGUFTestWriter()
        writer.addTensor("e", type: .f32, shape: [4, 3], data: [UInt8](repeating: 0, count: 48))
        let e = try #require(try writer.parse().tensor("e"))
        #expect(e.row(0) != nil && e.row(2) != nil)
        #expect(e.row(3) == nil)
        #expect(e.row(-1) == nil)
        var out = [Float](repeating: 1, count: 4)
        try out.withUnsafeMutableBufferPointer { try e.dequantizeRow(2, into: $0) }
        #expect(out == [0, 0, 0, 0])
        #expect(throws: KernelError.indexOutOfRange(what: "row of e", index: 3, count: 3)) {
            try out.withUnsafeMutableBufferPointer { try e.dequantizeRow(3, into: $0) }
        }
    }
}
