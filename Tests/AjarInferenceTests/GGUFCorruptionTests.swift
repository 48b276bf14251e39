import Foundation
import Testing

@testable import AjarInference

/// Corrupt and truncated files must give a `GGUFError` naming the problem — never a crash, never a
/// huge allocation.
@Suite struct GGUFCorruptionTests {
    /// A small valid file to corrupt.
    static func validWriter() -> GGUFTestWriter {
        var writer = GGUFTestWriter()
        writer.add("general.architecture", .string("llama"))
        writer.add("tokens", .array(.string, [.string("a"), .string("b")]))
        writer.addTensor("w", type: .q8_0, shape: [32, 2], data: [UInt8](repeating: 1, count: 68))
        writer.addTensor("n", type: .f32, shape: [8], data: [UInt8](repeating: 0, count: 32))
        return writer
    }

    static func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
        let mapping: MappedFile
        do { mapping = try MappedFile(copying: bytes) } catch { throw .io(error) }
        return try GGUFFile(mapping: mapping)
    }

    @Test("the unmodified file parses")
    func validParses() throws {
        let file = try Self.validWriter().parse()
        #expect(file.tensors.count == 2)
    }

    @Test("a wrong magic is refused with what was found")
    func badMagic() {
        var w = Self.validWriter()
        w.magic = 0x4655_4748
        #expect(throws: GGUFError.badMagic(found: 0x4655_4748)) { try w.parse() }
    }

    @Test("versions other than 2 and 3 are refused; a byte-swapped version is named big-endian")
    func badVersion() {
        var w = Self.validWriter()
        w.version = 9
        #expect(throws: GGUFError.unsupportedVersion(9, isBigEndian: false)) { try w.parse() }
        w.version = 1
        #expect(throws: GGUFError.unsupportedVersion(1, isBigEndian: false)) { try w.parse() }
        w.version = UInt32(3).byteSwapped
        #expect(throws: GGUFError.unsupportedVersion(UInt32(3).byteSwapped, isBigEndian: true)) { try w.parse() }
    }

    @Test("impossible counts are refused before any allocation", arguments: [UInt64(1) << 60, UInt64.max, 1_000_000])
    func hugeCounts(count: UInt64) {
        var w = Self.validWriter()
        w.kvCountOverride = count
        #expect(throws: GGUFError.self) { try w.parse() }
        w = Self.validWriter()
        w.tensorCountOverride = count
        #expect(throws: GGUFError.self) { try w.parse() }
        w = Self.validWriter()
        // An array claiming `count` int32 elements, followed by almost nothing.
        var raw: [UInt8] = []
        withUnsafeBytes(of: GGUFValueType.int32.rawValue.littleEndian) { raw.append(contentsOf: $0) }
        withUnsafeBytes(of: count.littleEndian) { raw.append(contentsOf: $0) }
        w.entries.append(.raw("big.array", typeID: GGUFValueType.array.rawValue, bytes: raw))
        do {
            _ = try w.parse()
            Issue.record("expected an error")
        } catch {
            guard case .countTooLarge(let what, let found, _, _) = error else { Issue.record("got \(error)"); return }
            #expect(what.contains("big.array") && found == count)
        }
        // A string claiming `count` bytes.
        w = Self.validWriter()
        var string: [UInt8] = []
        withUnsafeBytes(of: count.littleEndian) { string.append(contentsOf: $0) }
        w.entries.append(.raw("big.string", typeID: GGUFValueType.string.rawValue, bytes: string))
        #expect(throws: GGUFError.self) { try w.parse() }
    }

    @Test("an array longer than the limit is refused even when the file has the bytes")
    func arrayLengthLimit() throws {
        var w = Self.validWriter()
        let count = GGUFFile.maximumArrayLength + 1
        var raw: [UInt8] = []
        withUnsafeBytes(of: GGUFValueType.uint8.rawValue.littleEndian) { raw.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(count).littleEndian) { raw.append(contentsOf: $0) }
        raw.append(contentsOf: [UInt8](repeating: 7, count: count))
        w.entries.append(.raw("huge", typeID: GGUFValueType.array.rawValue, bytes: raw))
        do {
            _ = try w.parse()
            Issue.record("expected an error")
        } catch {
            guard case .countTooLarge(let what, let found, _, _) = error else { Issue.record("got \(error)"); return }
            #expect(what.contains("huge") && found == UInt64(count))
        }
    }

    @Test("an unknown metadata value type is refused with the key")
    func unknownValueType() {
        var w = Self.validWriter()
        w.entries.insert(.raw("odd", typeID: 99, bytes: [0, 0, 0, 0]), at: 0)
        do {
            _ = try w.parse()
            Issue.record("expected an error")
        } catch {
            guard case .unknownValueType(let key, let typeID, _) = error else { Issue.record("got \(error)"); return }
            #expect(key == "odd" && typeID == 99)
        }
    }

    @Test("arrays nested deeper than the limit are refused")
    func deepNesting() {
        var w = Self.validWriter()
        var value = GGUFValue.array(.uint8, [])
        for _ in 0..<GGUFFile.maximumArrayNesting { value = .array(.array, [value]) }
        w.add("deep", value)
        do {
            _ = try w.parse()
            Issue.record("expected an error")
        } catch {
            guard case .arrayNestingTooDeep(let key, _) = error else { Issue.record("got \(error)"); return }
            #expect(key == "deep")
        }
    }

    @Test("duplicate keys and tensors are refused")
    func duplicates() {
        var w = Self.validWriter()
        w.add("general.architecture", .string("again"))
        #expect(throws: GGUFError.duplicateKey("general.architecture")) { try w.parse() }
        w = Self.validWriter()
        w.addTensor("n", type: .f32, shape: [8], data: [UInt8](repeating: 0, count: 32))
        #expect(throws: GGUFError.duplicateTensor("n")) { try w.parse() }
    }

    @Test("general.alignment must be a power of two", arguments: [GGUFValue.uint32(3), .uint32(0), .string("32"), .int64(-32)])
    func badAlignment(value: GGUFValue) {
        var w = Self.validWriter()
        w.add("general.alignment", value)
        #expect(throws: GGUFError.invalidAlignment(value)) { try w.parse() }
    }

    @Test("an unknown tensor type id is refused with the tensor name")
    func unknownTensorType() {
        var w = Self.validWriter()
        w.tensors[0].typeID = 99
        #expect(throws: GGUFError.unknownTensorType(tensor: "w", typeID: 99)) { try w.parse() }
        w.tensors[0].typeID = 4  // removed Q4_2
        #expect(throws: GGUFError.unknownTensorType(tensor: "w", typeID: 4)) { try w.parse() }
    }

    @Test("tensor offsets beyond the end of the file are refused")
    func offsetBeyondEOF() {
        var w = Self.validWriter()
        w.tensors[1].offset = 1 << 40
        do {
            _ = try w.parse()
            Issue.record("expected an error")
        } catch {
            guard case .tensorOutOfBounds(let tensor, let offset, let byteCount, _) = error else { Issue.record("got \(error)"); return }
            #expect(tensor == "n" && offset == 1 << 40 && byteCount == 32)
        }
        w.tensors[1].offset = UInt64.max - 31  // aligned, and would overflow offset + size
        #expect(throws: GGUFError.self) { try w.parse() }
    }

    @Test("misaligned tensor offsets are refused")
    func misaligned() {
        var w = Self.validWriter()
        w.tensors[1].offset = 72 + 4
        #expect(throws: GGUFError.misalignedTensor(tensor: "n", offset: 76, alignment: 32)) { try w.parse() }
    }

    @Test("overlapping tensors are refused")
    func overlapping() {
        var w = Self.validWriter()
        w.tensors[1].offset = 32  // inside w's 68 bytes
        #expect(throws: GGUFError.overlappingTensors("w", "n")) { try w.parse() }
    }

    @Test("dimension products and byte sizes that overflow are refused")
    func dimsOverflow() {
        var w = Self.validWriter()
        w.tensors[1].dims = [1 << 32, 1 << 32, 1 << 2]
        #expect(throws: GGUFError.shapeOverflow(tensor: "n", shape: [1 << 32, 1 << 32, 1 << 2])) { try w.parse() }
        w.tensors[1].dims = [UInt64(Int64.max) + 1]
        #expect(throws: GGUFError.invalidDimension(tensor: "n", index: 0, value: UInt64(Int64.max) + 1)) { try w.parse() }
        w.tensors[1].dims = [8, 0]
        #expect(throws: GGUFError.invalidDimension(tensor: "n", index: 1, value: 0)) { try w.parse() }
        // Elements fit, bytes do not: 2^61 f32 elements are 2^63 bytes.
        w.tensors[1].dims = [1 << 31, 1 << 30]
        #expect(throws: GGUFError.shapeOverflow(tensor: "n", shape: [1 << 31, 1 << 30])) { try w.parse() }
    }

    @Test("dimension counts outside 1…4 are refused", arguments: [UInt32(0), 5, 1000])
    func dimensionCount(count: UInt32) {
        var w = Self.validWriter()
        w.tensors[1].dimensionCount = count
        w.tensors[1].dims = Array(repeating: 1, count: Int(min(count, 8)))
        #expect(throws: GGUFError.self) { try w.parse() }
    }

    @Test("a row length that is not a whole number of blocks is refused")
    func rowNotBlockMultiple() {
        var w = Self.validWriter()
        w.tensors[0].dims = [40, 2]
        #expect(throws: GGUFError.rowNotBlockMultiple(tensor: "w", rowLength: 40, type: .q8_0)) { try w.parse() }
    }

    @Test("every truncation of a small file gives an error, never a crash")
    func everyTruncation() throws {
        let bytes = Self.validWriter().bytes()
        let file = try Self.parse(bytes)
        let lastTensorEnd = file.dataOffset + (try #require(file.tensors.map { $0.offset + $0.byteCount }.max()))
        for length in 0..<lastTensorEnd {
            #expect(throws: GGUFError.self, "length \(length)") { try Self.parse(Array(bytes[..<length])) }
        }
    }

    @Test("an empty file is refused as truncated")
    func emptyFile() {
        #expect(throws: GGUFError.truncated(what: "magic", offset: 0, needed: 4, available: 0)) { try Self.parse([]) }
    }

    @Test("a missing file is refused with the path")
    func missingFile() {
        do {
            _ = try GGUFFile(path: "/nonexistent/model.gguf")
            Issue.record("expected an error")
        } catch {
            guard case .io(.cannotOpen(let path, _)) = error else { Issue.record("got \(error)"); return }
            #expect(path == "/nonexistent/model.gguf")
            #expect(error.description.contains("/nonexistent/model.gguf"))
        }
    }
}
