/// Why a kernel refused its arguments. Kernels check sizes and types once per call (a few
/// comparisons) and then run on unchecked pointers; these errors mean a caller bug or a model
/// whose shapes were not validated, never a crash.
package enum KernelError: Error, Equatable, CustomStringConvertible {
    /// The kernels cannot compute with this tensor type.
    case unsupportedType(GGMLType, operation: String)
    /// A buffer or tensor dimension is not what the operation needs.
    case shapeMismatch(what: String, expected: Int, found: Int)
    /// More columns or tokens than a `QuantizedActivations` buffer was made for.
    case activationCapacity(columns: Int, tokens: Int, maxColumns: Int, maxTokens: Int)
    /// A length that must be a whole number of blocks is not.
    case notBlockMultiple(what: String, count: Int, blockSize: Int)
    /// An index (a token id, a row, a position) outside its range.
    case indexOutOfRange(what: String, index: Int, count: Int)

    package var description: String {
        switch self {
        case .unsupportedType(let type, let operation):
            return "kernel: \(operation) does not support tensor type \(type)"
        case .shapeMismatch(let what, let expected, let found):
            return "kernel: \(what) is \(found), expected \(expected)"
        case .activationCapacity(let columns, let tokens, let maxColumns, let maxTokens):
            return "kernel: \(tokens)×\(columns) activations exceed the buffer's \(maxTokens)×\(maxColumns)"
        case .notBlockMultiple(let what, let count, let blockSize):
            return "kernel: \(what) of \(count) is not a multiple of \(blockSize)"
        case .indexOutOfRange(let what, let index, let count):
            return "kernel: \(what) \(index) is outside 0..<\(count)"
        }
    }
}
