/// A read-only view of one tensor's data inside a mapped GGUF file.
///
/// Shapes follow GGUF/ggml: `shape[0]` is the row length (the contiguous dimension, `ne[0]`), so a
/// weight matrix `W[rows][cols]` of a linear layer `y = W·x` has `shape == [cols, rows]`, and each
/// row is `rowBytes` bytes of `type` blocks. Everything about the view (shape, type, byte range
/// inside the file, alignment) was validated by `GGUFFile` at load.
///
/// `@unchecked Sendable`: `data` points into an immutable read-only mapping, kept alive by `owner`.
package struct TensorView: @unchecked Sendable {
    /// GGUF tensor name, e.g. `"blk.0.attn_q.weight"`.
    package let name: String
    /// Element type.
    package let type: GGMLType
    /// Dimensions, row length first (`[cols, rows]` for a matrix).
    package let shape: [Int]
    /// First byte of the tensor's data.
    package let data: UnsafeRawPointer
    /// Bytes of data (`rowCount × rowBytes`).
    package let byteCount: Int
    /// Elements per row (`shape[0]`).
    package let rowLength: Int
    /// Rows (product of `shape[1...]`).
    package let rowCount: Int
    /// Bytes per row (`rowLength / type.blockSize × type.blockBytes`).
    package let rowBytes: Int
    /// Keeps the mapping alive as long as the view.
    package let owner: MappedFile?

    /// Makes a view from a validated tensor info. `data` must point at `info.byteCount` readable bytes.
    package init(info: GGUFTensorInfo, data: UnsafeRawPointer, owner: MappedFile?) {
        self.name = info.name
        self.type = info.type
        self.shape = info.shape
        self.data = data
        self.byteCount = info.byteCount
        self.rowLength = info.rowLength
        self.rowCount = info.rowCount
        self.rowBytes = info.byteCount / max(1, info.rowCount)
        self.owner = owner
    }

    /// Makes a view over memory the caller owns (tests, weights built in memory), or `nil` if
    /// `shape` is empty, has a dimension < 1, overflows, or its row length is not a whole number of
    /// blocks. The caller keeps `data` (at least the returned view's `byteCount` bytes) alive.
    package init?(name: String, type: GGMLType, shape: [Int], data: UnsafeRawPointer) {
        guard let first = shape.first, shape.allSatisfy({ $0 >= 1 }), let rowBytes = type.rowBytes(elements: first) else {
            return nil
        }
        var rows = 1
        for d in shape.dropFirst() {
            let (product, overflow) = rows.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            rows = product
        }
        let (bytes, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
        guard !overflow else { return nil }
        self.name = name
        self.type = type
        self.shape = shape
        self.data = data
        self.byteCount = bytes
        self.rowLength = first
        self.rowCount = rows
        self.rowBytes = rowBytes
        self.owner = nil
    }

    /// Elements in the whole tensor.
    package var elementCount: Int { rowLength * rowCount }

    /// The first byte of row `index`, or `nil` when `index` is outside `0..<rowCount` (so a token id
    /// from a request cannot read outside the tensor).
    package func row(_ index: Int) -> UnsafeRawPointer? {
        guard index >= 0, index < rowCount else { return nil }
        return data + index * rowBytes
    }

    /// The data as `Float`s when the tensor is `f32` (norm weights), else `nil`. GGUF aligns tensor
    /// data to at least 32 bytes, so the pointer is suitably aligned.
    package var floats: UnsafeBufferPointer<Float>? {
        guard type == .f32, Int(bitPattern: data) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: data.assumingMemoryBound(to: Float.self), count: elementCount)
    }
}
