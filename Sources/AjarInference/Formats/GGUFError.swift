/// Why a GGUF file was refused. Every case names what is wrong and where, so a reader can act.
///
/// Offsets are byte offsets from the start of the file.
package enum GGUFError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case io(MappedFileError)
    /// The first four bytes are not "GGUF".
    case badMagic(found: UInt32)
    /// A version other than 2 or 3, or a big-endian file (its version reads byte-swapped).
    case unsupportedVersion(UInt32, isBigEndian: Bool)
    /// The file ends before `what` (needed `needed` bytes at `offset`, only `available` remain).
    case truncated(what: String, offset: Int, needed: Int, available: Int)
    /// A count read from the file cannot fit in what remains of it (checked before allocating).
    case countTooLarge(what: String, count: UInt64, offset: Int, available: Int)
    /// A metadata value type tag outside 0...12.
    case unknownValueType(key: String, typeID: UInt32, offset: Int)
    /// Arrays nested deeper than `GGUFFile.maximumArrayNesting`.
    case arrayNestingTooDeep(key: String, offset: Int)
    /// The same metadata key twice.
    case duplicateKey(String)
    /// `general.alignment` is not an integer power of two (or is 0, or too large).
    case invalidAlignment(GGUFValue)
    /// The same tensor name twice.
    case duplicateTensor(String)
    /// `n_dims` outside 1...4.
    case invalidDimensionCount(tensor: String, count: UInt32)
    /// A dimension of 0 or larger than `Int64.max`.
    case invalidDimension(tensor: String, index: Int, value: UInt64)
    /// The product of the dimensions, or the byte size, overflows.
    case shapeOverflow(tensor: String, shape: [UInt64])
    /// A tensor type id that ggml does not define.
    case unknownTensorType(tensor: String, typeID: UInt32)
    /// A row length (`ne[0]`) that is not a multiple of the type's block size.
    case rowNotBlockMultiple(tensor: String, rowLength: Int, type: GGMLType)
    /// A tensor offset that is not a multiple of the alignment.
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    /// A tensor whose bytes do not lie within the data section.
    case tensorOutOfBounds(tensor: String, offset: UInt64, byteCount: Int, dataSectionSize: Int)
    /// Two tensors whose byte ranges overlap.
    case overlappingTensors(String, String)
    /// Looked up by a caller: no tensor of that name.
    case missingTensor(String)
    /// Looked up by a caller: the tensor's shape or type is not what the caller needs.
    case unexpectedTensor(tensor: String, expected: String, found: String)
    /// Looked up by a caller: a metadata key is missing or has the wrong type.
    case unexpectedMetadata(key: String, expected: String, found: String)

    package var description: String {
        switch self {
        case .io(let error):
            return "GGUF: \(error)"
        case .badMagic(let found):
            return "GGUF: bad magic 0x\(String(found, radix: 16)) (expected \"GGUF\", 0x46554747)"
        case .unsupportedVersion(let version, let isBigEndian):
            if isBigEndian { return "GGUF: big-endian file (version \(version.byteSwapped)) is not supported" }
            return "GGUF: unsupported version \(version) (supported: 2, 3)"
        case .truncated(let what, let offset, let needed, let available):
            return "GGUF: truncated at offset \(offset) reading \(what): needs \(needed) bytes, \(available) left"
        case .countTooLarge(let what, let count, let offset, let available):
            return "GGUF: \(what) count \(count) at offset \(offset) cannot fit in the \(available) bytes left"
        case .unknownValueType(let key, let typeID, let offset):
            return "GGUF: unknown value type \(typeID) for key '\(key)' at offset \(offset)"
        case .arrayNestingTooDeep(let key, let offset):
            return "GGUF: arrays nested too deeply in key '\(key)' at offset \(offset)"
        case .duplicateKey(let key):
            return "GGUF: duplicate metadata key '\(key)'"
        case .invalidAlignment(let value):
            return "GGUF: general.alignment must be a power of two, found \(value)"
        case .duplicateTensor(let name):
            return "GGUF: duplicate tensor '\(name)'"
        case .invalidDimensionCount(let tensor, let count):
            return "GGUF: tensor '\(tensor)' has \(count) dimensions (expected 1...4)"
        case .invalidDimension(let tensor, let index, let value):
            return "GGUF: tensor '\(tensor)' dimension \(index) is \(value)"
        case .shapeOverflow(let tensor, let shape):
            return "GGUF: tensor '\(tensor)' shape \(shape) overflows"
        case .unknownTensorType(let tensor, let typeID):
            return "GGUF: tensor '\(tensor)' has unknown type id \(typeID)"
        case .rowNotBlockMultiple(let tensor, let rowLength, let type):
            return "GGUF: tensor '\(tensor)' row length \(rowLength) is not a multiple of \(type)'s block of \(type.blockSize)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            return "GGUF: tensor '\(tensor)' offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(let tensor, let offset, let byteCount, let dataSectionSize):
            return "GGUF: tensor '\(tensor)' at offset \(offset) with \(byteCount) bytes lies outside the \(dataSectionSize)-byte data section"
        case .overlappingTensors(let a, let b):
            return "GGUF: tensors '\(a)' and '\(b)' overlap"
        case .missingTensor(let name):
            return "GGUF: no tensor '\(name)'"
        case .unexpectedTensor(let tensor, let expected, let found):
            return "GGUF: tensor '\(tensor)': expected \(expected), found \(found)"
        case .unexpectedMetadata(let key, let expected, let found):
            return "GGUF: metadata '\(key)': expected \(expected), found \(found)"
        }
    }
}
