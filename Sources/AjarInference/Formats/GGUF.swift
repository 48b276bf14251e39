// GGUF file reader. Written from the GGUF specification (ggml docs/gguf.md) and the layout
// comment atop ggml's include/gguf.h; checked against gguf-py's GGUFReader.
//
// A GGUF file (version 3, little-endian; version 2 has the same layout) is, in order:
//
//  1. magic       4 bytes "GGUF" (0x47 0x47 0x55 0x46; read as a little-endian uint32: 0x46554747).
//  2. version     uint32. 3 (2 is identical for little-endian files; 1 had 32-bit counts and is
//                 refused). A big-endian file reads as 0x03000000 here and is refused by name.
//  3. n_tensors   uint64 (int64 in gguf.h): how many tensor infos follow in 6.
//  4. n_kv        uint64: how many metadata key-value pairs follow in 5.
//  5. metadata    n_kv × { key: string, type: uint32 GGUFValueType, value }
//                   string = uint64 byte length + that many UTF-8 bytes, no terminator;
//                   scalars = little-endian uint8/int8/uint16/int16/uint32/int32/float32/bool(1 byte)/
//                   uint64/int64/float64; array = uint32 element type + uint64 count + the elements
//                   (elements may be strings or arrays themselves).
//  6. tensor info n_tensors × { name: string, n_dims: uint32 (1...4), ne: n_dims × uint64 with ne[0]
//                   the row length (contiguous dimension) first, type: uint32 ggml_type,
//                   offset: uint64 from the start of the data section, a multiple of the alignment }
//  7. padding     zero bytes up to a multiple of ALIGNMENT = `general.alignment` (uint32, power of
//                 two) if that key is present, else 32.
//  8. data        the tensor data section: each tensor's rows, ne[0] elements each packed in blocks
//                 of its type (see GGMLType), at its offset; tensors are padded to ALIGNMENT.
//
// Everything read from the file is checked once, here, at load: counts against the bytes left
// before anything is allocated, string and array lengths, array nesting depth, value and tensor
// type ids, dimension counts, products and byte sizes for overflow, row lengths against block
// sizes, tensor offsets for alignment, tensor byte ranges against the data section, and overlaps.
// Code that later reads tensor data through `TensorView` relies on these checks.

/// One tensor's entry in the GGUF header, validated.
package struct GGUFTensorInfo: Sendable, Equatable {
    /// e.g. `"blk.3.attn_q.weight"`.
    package let name: String
    /// Dimensions with `shape[0]` = row length (ggml's `ne[0]`), 1 to 4 entries, each ≥ 1.
    package let shape: [Int]
    package let type: GGMLType
    /// Byte offset from the start of the data section (a multiple of the alignment).
    package let offset: Int
    /// Bytes of data (`rows × rowBytes`).
    package let byteCount: Int

    /// Product of the dimensions.
    package var elementCount: Int { shape.reduce(1, *) }
    /// Elements in one row (`shape[0]`).
    package var rowLength: Int { shape[0] }
    /// Number of rows (product of `shape[1...]`).
    package var rowCount: Int { shape.dropFirst().reduce(1, *) }
}

/// A parsed, validated GGUF file over a read-only memory mapping.
///
/// `Sendable`: all stored properties are immutable values or the immutable `MappedFile`.
package struct GGUFFile: Sendable {
    /// The default data alignment when `general.alignment` is absent.
    package static let defaultAlignment = 32
    /// Arrays may nest at most this deep (real files use depth 1); deeper is refused so a corrupt
    /// file cannot recurse the reader off its stack.
    package static let maximumArrayNesting = 8
    /// Largest metadata array accepted (real vocabularies have ≤ 1M entries). Each element becomes
    /// a `GGUFValue` of ~24 bytes, so a corrupt but byte-backed count could otherwise cost many
    /// gigabytes; refused as `countTooLarge`.
    package static let maximumArrayLength = 1 << 24
    /// Largest number of metadata entries or tensors accepted.
    package static let maximumEntryCount = 1 << 20

    /// The mapping every `TensorView` points into.
    package let mapping: MappedFile
    /// 2 or 3.
    package let version: UInt32
    /// Metadata keys in file order.
    package let metadataKeys: [String]
    /// Metadata by key.
    package let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    package let tensors: [GGUFTensorInfo]
    /// Data alignment in bytes (a power of two).
    package let alignment: Int
    /// File offset of the tensor data section.
    package let dataOffset: Int
    private let tensorIndex: [String: Int]

    /// Maps and parses the GGUF file at `path`.
    /// - Parameters:
    ///   - path: File system path of a `.gguf` file.
    ///   - populate: Prefault the whole mapping (see `MappedFile.init(path:populate:)`).
    /// - Throws: `GGUFError` naming the first problem found.
    package init(path: String, populate: Bool = false) throws(GGUFError) {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path, populate: populate)
        } catch {
            throw .io(error)
        }
        try self.init(mapping: mapping)
    }

    /// Parses a GGUF file that is already mapped.
    /// - Throws: `GGUFError` naming the first problem found.
    package init(mapping: MappedFile) throws(GGUFError) {
        self.mapping = mapping
        var reader = GGUFReader(bytes: mapping.bytes)

        // 1-2. Magic and version.
        let magic = try reader.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else { throw .badMagic(found: magic) }
        let version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            let swapped = version.byteSwapped
            throw .unsupportedVersion(version, isBigEndian: swapped == 2 || swapped == 3)
        }
        self.version = version

        // 3-4. Counts, each checked against what can possibly follow before any allocation.
        let countsOffset = reader.offset
        let tensorCount = try reader.read(UInt64.self, "tensor count")
        let kvCount = try reader.read(UInt64.self, "metadata count")
        let minimumTensorInfoSize: UInt64 = 8 + 4 + 8 + 4 + 8  // name length, n_dims, one dim, type, offset
        let minimumKeyValueSize: UInt64 = 8 + 4 + 1  // key length, type, smallest value
        guard kvCount <= UInt64(reader.remaining) / minimumKeyValueSize, kvCount <= UInt64(Self.maximumEntryCount) else {
            throw .countTooLarge(what: "metadata", count: kvCount, offset: countsOffset + 8, available: reader.remaining)
        }
        guard tensorCount <= UInt64(reader.remaining) / minimumTensorInfoSize, tensorCount <= UInt64(Self.maximumEntryCount) else {
            throw .countTooLarge(what: "tensor", count: tensorCount, offset: countsOffset, available: reader.remaining)
        }

        // 5. Metadata.
        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        keys.reserveCapacity(min(Int(kvCount), 4096))  // counts are claims; grow with what parses
        metadata.reserveCapacity(min(Int(kvCount), 4096))
        for index in 0..<Int(kvCount) {
            let key = try reader.readString("key of metadata entry \(index)")
            let typeOffset = reader.offset
            let typeID = try reader.read(UInt32.self, "type of '\(key)'")
            guard let type = GGUFValueType(rawValue: typeID) else {
                throw .unknownValueType(key: key, typeID: typeID, offset: typeOffset)
            }
            let value = try Self.readValue(of: type, key: key, depth: 0, reader: &reader)
            guard metadata.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
            keys.append(key)
        }
        self.metadataKeys = keys
        self.metadata = metadata

        // 7 (needed for 6). Alignment.
        var alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a <= 1 << 30, a & (a - 1) == 0 else { throw .invalidAlignment(value) }
            alignment = a
        }
        self.alignment = alignment

        // 6. Tensor infos (offsets checked once the data section is known).
        var raw: [(name: String, shape: [Int], type: GGMLType, offset: UInt64, byteCount: Int)] = []
        raw.reserveCapacity(min(Int(tensorCount), 4096))
        var index: [String: Int] = [:]
        index.reserveCapacity(min(Int(tensorCount), 4096))
        for t in 0..<Int(tensorCount) {
            let name = try reader.readString("name of tensor \(t)")
            let dimensionCount = try reader.read(UInt32.self, "dimension count of '\(name)'")
            guard (1...4).contains(dimensionCount) else {
                throw .invalidDimensionCount(tensor: name, count: dimensionCount)
            }
            var dims: [UInt64] = []
            for d in 0..<Int(dimensionCount) {
                dims.append(try reader.read(UInt64.self, "dimension \(d) of '\(name)'"))
            }
            let typeID = try reader.read(UInt32.self, "type of '\(name)'")
            let offset = try reader.read(UInt64.self, "offset of '\(name)'")
            guard let type = GGMLType(rawValue: typeID) else { throw .unknownTensorType(tensor: name, typeID: typeID) }
            let (shape, byteCount) = try Self.validateShape(dims, type: type, tensor: name)
            guard index.updateValue(t, forKey: name) == nil else { throw .duplicateTensor(name) }
            raw.append((name, shape, type, offset, byteCount))
        }
        self.tensorIndex = index

        // 7-8. Data section: aligned start, every tensor aligned, inside, and not overlapping.
        let (padded, paddingOverflow) = reader.offset.addingReportingOverflow(alignment - 1)
        let dataOffset = paddingOverflow ? Int.max : padded / alignment * alignment
        self.dataOffset = dataOffset
        let dataSectionSize = max(0, mapping.count - dataOffset)
        if !raw.isEmpty && dataOffset > mapping.count {
            throw .truncated(what: "padding before the data section", offset: reader.offset,
                             needed: dataOffset - reader.offset, available: reader.remaining)
        }
        var infos: [GGUFTensorInfo] = []
        infos.reserveCapacity(raw.count)
        for entry in raw {
            guard entry.offset % UInt64(alignment) == 0 else {
                throw .misalignedTensor(tensor: entry.name, offset: entry.offset, alignment: alignment)
            }
            guard entry.offset <= UInt64(dataSectionSize), entry.byteCount <= dataSectionSize - Int(entry.offset) else {
                throw .tensorOutOfBounds(tensor: entry.name, offset: entry.offset, byteCount: entry.byteCount,
                                         dataSectionSize: dataSectionSize)
            }
            infos.append(GGUFTensorInfo(name: entry.name, shape: entry.shape, type: entry.type,
                                        offset: Int(entry.offset), byteCount: entry.byteCount))
        }
        let byOffset = infos.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw .overlappingTensors(a.name, b.name)
        }
        self.tensors = infos
    }

    // MARK: - Lookup

    /// The metadata value for `key`, if present.
    package subscript(key: String) -> GGUFValue? { metadata[key] }

    /// The tensor info named `name`, if present.
    package func tensorInfo(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// A view of the tensor named `name`, or `nil` if there is none.
    package func tensor(_ name: String) -> TensorView? {
        guard let info = tensorInfo(name) else { return nil }
        // Validated at load: `dataOffset + info.offset + info.byteCount <= mapping.count`.
        let start = mapping.bytes.baseAddress.unsafelyUnwrapped + dataOffset + info.offset
        return TensorView(info: info, data: start, owner: mapping)
    }

    /// The tensor named `name`, checked against what the caller needs.
    /// - Parameters:
    ///   - name: GGUF tensor name, e.g. `"blk.0.attn_q.weight"`.
    ///   - shape: Required shape (`shape[0]` = row length), or `nil` to accept any.
    ///   - types: Accepted element types, or `nil` to accept any.
    /// - Throws: `GGUFError.missingTensor` or `.unexpectedTensor` naming expected and found.
    package func requireTensor(_ name: String, shape: [Int]? = nil, types: Set<GGMLType>? = nil) throws(GGUFError) -> TensorView {
        guard let view = tensor(name) else { throw .missingTensor(name) }
        if let shape, view.shape != shape {
            throw .unexpectedTensor(tensor: name, expected: "shape \(shape)", found: "shape \(view.shape)")
        }
        if let types, !types.contains(view.type) {
            let expected = types.map(\.description).sorted().joined(separator: " or ")
            throw .unexpectedTensor(tensor: name, expected: "type \(expected)", found: "type \(view.type)")
        }
        return view
    }

    /// The integer metadata value at `key`.
    /// - Throws: `GGUFError.unexpectedMetadata` if it is missing or not an integer.
    package func requireInt(_ key: String) throws(GGUFError) -> Int {
        guard let value = metadata[key] else { throw .unexpectedMetadata(key: key, expected: "integer", found: "nothing") }
        guard let int = value.int else { throw .unexpectedMetadata(key: key, expected: "integer", found: "\(value.type)") }
        return int
    }

    /// The numeric metadata value at `key` as `Float`.
    /// - Throws: `GGUFError.unexpectedMetadata` if it is missing or not a number.
    package func requireFloat(_ key: String) throws(GGUFError) -> Float {
        guard let value = metadata[key] else { throw .unexpectedMetadata(key: key, expected: "number", found: "nothing") }
        guard let float = value.float else { throw .unexpectedMetadata(key: key, expected: "number", found: "\(value.type)") }
        return float
    }

    /// The string metadata value at `key`.
    /// - Throws: `GGUFError.unexpectedMetadata` if it is missing or not a string.
    package func requireString(_ key: String) throws(GGUFError) -> String {
        guard let value = metadata[key] else { throw .unexpectedMetadata(key: key, expected: "string", found: "nothing") }
        guard let string = value.string else { throw .unexpectedMetadata(key: key, expected: "string", found: "\(value.type)") }
        return string
    }

    // MARK: - Parsing helpers

    private static func readValue(of type: GGUFValueType, key: String, depth: Int,
                                  reader: inout GGUFReader) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, "value of '\(key)'"))
        case .int8: return .int8(try reader.read(Int8.self, "value of '\(key)'"))
        case .uint16: return .uint16(try reader.read(UInt16.self, "value of '\(key)'"))
        case .int16: return .int16(try reader.read(Int16.self, "value of '\(key)'"))
        case .uint32: return .uint32(try reader.read(UInt32.self, "value of '\(key)'"))
        case .int32: return .int32(try reader.read(Int32.self, "value of '\(key)'"))
        case .uint64: return .uint64(try reader.read(UInt64.self, "value of '\(key)'"))
        case .int64: return .int64(try reader.read(Int64.self, "value of '\(key)'"))
        case .float32: return .float32(try reader.readFloat("value of '\(key)'"))
        case .float64: return .float64(try reader.readDouble("value of '\(key)'"))
        case .bool: return .bool(try reader.read(UInt8.self, "value of '\(key)'") != 0)
        case .string: return .string(try reader.readString("value of '\(key)'"))
        case .array:
            let start = reader.offset
            guard depth < maximumArrayNesting else { throw .arrayNestingTooDeep(key: key, offset: start) }
            let elementTypeID = try reader.read(UInt32.self, "array element type of '\(key)'")
            guard let elementType = GGUFValueType(rawValue: elementTypeID) else {
                throw .unknownValueType(key: key, typeID: elementTypeID, offset: start)
            }
            let count = try reader.read(UInt64.self, "array length of '\(key)'")
            guard count <= UInt64(reader.remaining / elementType.minimumEncodedSize), count <= UInt64(maximumArrayLength) else {
                throw .countTooLarge(what: "array '\(key)'", count: count, offset: start + 4, available: reader.remaining)
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(min(Int(count), 1 << 16))  // grows with what actually parses
            for _ in 0..<Int(count) {
                elements.append(try readValue(of: elementType, key: key, depth: depth + 1, reader: &reader))
            }
            return .array(elementType, elements)
        }
    }

    /// Checks dimensions (each 1...Int64.max), the element count and byte size for overflow, and
    /// the row length against the block size. Returns the shape as `[Int]` and the byte count.
    private static func validateShape(_ dims: [UInt64], type: GGMLType, tensor: String) throws(GGUFError) -> ([Int], Int) {
        var shape: [Int] = []
        var elements = 1
        for (i, d) in dims.enumerated() {
            guard d >= 1, d <= UInt64(Int64.max) else { throw .invalidDimension(tensor: tensor, index: i, value: d) }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw .shapeOverflow(tensor: tensor, shape: dims) }
            elements = product
            shape.append(Int(d))
        }
        guard shape[0] % type.blockSize == 0, let rowBytes = type.rowBytes(elements: shape[0]) else {
            throw .rowNotBlockMultiple(tensor: tensor, rowLength: shape[0], type: type)
        }
        let (byteCount, overflow) = (elements / shape[0]).multipliedReportingOverflow(by: rowBytes)
        guard !overflow else { throw .shapeOverflow(tensor: tensor, shape: dims) }
        return (shape, byteCount)
    }
}
