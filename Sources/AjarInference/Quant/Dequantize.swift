/// Dequantisation of rows of any supported tensor type to `Float`, dispatching on `GGMLType`.
package enum Dequantize {
    /// Converts `count` elements of `type` at `source` to floats at `destination`.
    /// - Parameters:
    ///   - reference: Use the scalar reference implementation (tests) instead of the SIMD one.
    /// - Throws: `KernelError.unsupportedType` for types the kernels do not implement, or
    ///   `.notBlockMultiple` if `count` is not a whole number of blocks.
    package static func row(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int,
                            into destination: UnsafeMutablePointer<Float>, reference: Bool = false) throws(KernelError) {
        guard count % type.blockSize == 0 else {
            throw .notBlockMultiple(what: "\(type) row", count: count, blockSize: type.blockSize)
        }
        let blocks = count / type.blockSize
        func run<F: QuantizedFormat>(_: F.Type) {
            if reference {
                F.dequantizeReference(source, blocks: blocks, into: destination)
            } else {
                F.dequantize(source, blocks: blocks, into: destination)
            }
        }
        switch type {
        case .f32, .f16, .bf16:
            if reference {
                FloatFormats.dequantizeReference(type, source, count: count, into: destination)
            } else {
                FloatFormats.dequantize(type, source, count: count, into: destination)
            }
        case .q4_0: run(Q4_0.self)
        case .q4_1: run(Q4_1.self)
        case .q5_0: run(Q5_0.self)
        case .q5_1: run(Q5_1.self)
        case .q8_0: run(Q8_0.self)
        case .q4_K: run(Q4_K.self)
        case .q5_K: run(Q5_K.self)
        case .q6_K: run(Q6_K.self)
        default: throw .unsupportedType(type, operation: "dequantize")
        }
    }
}

extension TensorView {
    /// Dequantises row `index` (e.g. a token's embedding) into `destination`.
    /// - Parameters:
    ///   - index: Row number; a token id for an embedding table `[dim, vocab]`.
    ///   - destination: At least `rowLength` floats.
    /// - Throws: `KernelError.indexOutOfRange` for a row outside the tensor (an invalid token id),
    ///   `.shapeMismatch` if `destination` is too short, `.unsupportedType` for unsupported types.
    package func dequantizeRow(_ index: Int, into destination: UnsafeMutableBufferPointer<Float>) throws(KernelError) {
        guard let source = row(index) else { throw .indexOutOfRange(what: "row of \(name)", index: index, count: rowCount) }
        guard let target = destination.baseAddress, destination.count >= rowLength else {
            throw .shapeMismatch(what: "output for a row of \(name)", expected: rowLength, found: destination.count)
        }
        try Dequantize.row(type, source, count: rowLength, into: target)
    }
}
