/// How a weight type wants its activation vector for the dot product (ggml's `vec_dot_type`).
package enum ActivationFormat: Sendable, Equatable {
    /// Plain `Float`s (F32, F16 and BF16 weights).
    case float32
    /// ggml Q8_1 values: per 32 elements a scale `d` (rounded to fp16, as ggml stores it), 32
    /// integers `q = roundf(x / d)` in -127...127, and `s = fp16(d·Σq)`. Q8_0 has the same `d`
    /// and `q` (ggml's two reference quantisers round identically), so Q4_0, Q5_0 and Q8_0
    /// weights read these too and ignore `s`.
    case q8_1
    /// ggml Q8_K values: per 256 elements a `Float` scale `d`, 256 integers in -127...127
    /// (round to nearest even) and the sum of each group of 16 (for the K-quants' mins).
    case q8_K

    /// Elements per scale.
    package var blockSize: Int {
        switch self {
        case .float32: 1
        case .q8_1: 32
        case .q8_K: 256
        }
    }
}

/// Pointers to one token's quantised activations inside a `QuantizedActivations` buffer.
///
/// Values are ggml's int8 quants widened to Int16 and permuted, once per call, into the lane
/// order in which the kernels decode weight blocks with shifts and masks, so that a weight block
/// multiplies its activations with whole-register `vpmullw`s and no shuffles (see
/// `Q8_1Activation.storageIndex(of:)` and `Q8_KActivation.storageIndex(of:)` for the orders).
/// - `values`: Int16, one per element, in the format's order.
/// - `scales`: Float `d` per block (32 elements for Q8_1, 256 for Q8_K).
/// - `sums`: Float, Q8_1's `s = fp16(d·Σq)` per block of 32 (unused for Q8_K).
/// - `groupSums`: Int16, Q8_K's `bsums`: Σq per 16 consecutive elements (unused for Q8_1).
/// - `pairScales`: Float, Q8_1 only: per pair of blocks of 32, the first block's `d` four times
///   then the second's four times — the lane layout of a pair's widened integer sums, so the
///   kernels scale them with one multiply and no shuffles.
///
/// The pointers are valid only while the `QuantizedActivations` they came from is alive.
package struct QuantizedRow {
    package let values: UnsafeMutablePointer<Int16>
    package let scales: UnsafeMutablePointer<Float>
    package let sums: UnsafeMutablePointer<Float>
    package let groupSums: UnsafeMutablePointer<Int16>
    package let pairScales: UnsafeMutablePointer<Float>

    package init(values: UnsafeMutablePointer<Int16>, scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>,
                 groupSums: UnsafeMutablePointer<Int16>, pairScales: UnsafeMutablePointer<Float>) {
        self.values = values
        self.scales = scales
        self.sums = sums
        self.groupSums = groupSums
        self.pairScales = pairScales
    }

    /// The Q8_1 quant of element `i` (natural order).
    @inline(__always)
    package func q8_1Value(at i: Int) -> Int32 { Int32(values[Q8_1Activation.storageIndex(of: i)]) }

    /// The Q8_K quant of element `i` (natural order).
    @inline(__always)
    package func q8_KValue(at i: Int) -> Int32 { Int32(values[Q8_KActivation.storageIndex(of: i)]) }

    /// Raw pointer to `values` plus `elementOffset` Int16s.
    @inline(__always)
    package func valuePointer(_ elementOffset: Int) -> UnsafeRawPointer { UnsafeRawPointer(values + elementOffset) }
}

/// Several tokens' quantised activations: token `t`'s row starts `t × stride` elements after the
/// base pointers (each array scaled by its own per-element count).
package struct QuantizedBatch {
    package let base: QuantizedRow
    /// Elements per token row in `values` (a multiple of 256).
    package let valueStride: Int

    /// The row of token `t`.
    @inline(__always)
    package func row(_ t: Int) -> QuantizedRow {
        QuantizedRow(values: base.values + t * valueStride,
                     scales: base.scales + t * (valueStride / 32),
                     sums: base.sums + t * (valueStride / 32),
                     groupSums: base.groupSums + t * (valueStride / 16),
                     pairScales: base.pairScales + t * (valueStride / 8))
    }
}

/// A reusable buffer for the quantised activations of up to `maxTokens` rows of up to
/// `maxColumns` elements, allocated once (64-byte aligned) and reused by every matrix product.
/// `MatMul` quantises its input into it; callers may also quantise once and reuse it for
/// several matrices that read the same input (Q, K and V; gate and up).
///
/// Not thread-safe: one buffer per concurrent forward pass. `@unchecked Sendable` so it can be
/// moved to the thread that runs generation.
package final class QuantizedActivations: @unchecked Sendable {
    /// Capacity in elements per row, rounded up to a multiple of 256.
    package let maxColumns: Int
    /// Capacity in rows.
    package let maxTokens: Int
    /// What the buffer currently holds.
    package private(set) var format: ActivationFormat = .float32
    package private(set) var columns = 0
    package private(set) var tokens = 0

    private let storage: UnsafeMutableRawPointer
    private let base: QuantizedRow

    /// - Parameters:
    ///   - maxColumns: Largest input length (e.g. `max(dim, hiddenDim)`); rounded up to 256.
    ///   - maxTokens: Largest number of tokens quantised at once (the prefill batch size).
    package init(maxColumns: Int, maxTokens: Int = 1) {
        let columns = max(256, (maxColumns + 255) / 256 * 256)
        let tokens = max(1, maxTokens)
        self.maxColumns = columns
        self.maxTokens = tokens
        let valueBytes = tokens * columns * 2
        let scaleBytes = tokens * (columns / 32) * 4
        let groupBytes = tokens * (columns / 16) * 2
        let pairScaleBytes = tokens * (columns / 8) * 4
        let total = valueBytes + 2 * scaleBytes + groupBytes + pairScaleBytes
        storage = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: total)
        base = QuantizedRow(
            values: storage.bindMemory(to: Int16.self, capacity: tokens * columns),
            scales: (storage + valueBytes).bindMemory(to: Float.self, capacity: tokens * columns / 32),
            sums: (storage + valueBytes + scaleBytes).bindMemory(to: Float.self, capacity: tokens * columns / 32),
            groupSums: (storage + valueBytes + 2 * scaleBytes).bindMemory(to: Int16.self, capacity: tokens * columns / 16),
            pairScales: (storage + valueBytes + 2 * scaleBytes + groupBytes).bindMemory(to: Float.self, capacity: tokens * columns / 8))
    }

    deinit { storage.deallocate() }

    /// All rows, for kernels.
    package var batch: QuantizedBatch { QuantizedBatch(base: base, valueStride: maxColumns) }

    /// Token `t`'s row (no bounds check; `t < maxTokens`).
    package func row(_ t: Int) -> QuantizedRow { batch.row(t) }

    /// Quantises `tokens` rows of `columns` floats (`x[t * columns + i]`) into `format`.
    /// - Parameters:
    ///   - reference: Use the scalar reference quantisers (tests).
    ///   - pool: When given and `tokens > 1`, rows are quantised in parallel (prefill).
    /// - Throws: `KernelError.activationCapacity` if the shape exceeds the buffer, or
    ///   `.notBlockMultiple` if `columns` is not a multiple of the format's block size.
    package func quantize(_ x: UnsafePointer<Float>, columns: Int, tokens: Int, format: ActivationFormat,
                          reference: Bool = false, pool: ThreadPool? = nil) throws(KernelError) {
        guard columns > 0, tokens > 0, columns <= maxColumns, tokens <= maxTokens else {
            throw .activationCapacity(columns: columns, tokens: tokens, maxColumns: maxColumns, maxTokens: maxTokens)
        }
        guard columns % format.blockSize == 0 else {
            throw .notBlockMultiple(what: "activation row", count: columns, blockSize: format.blockSize)
        }
        let batch = self.batch
        let quantizeRow = { (t: Int) in
            let source = x + t * columns
            let target = batch.row(t)
            switch (format, reference) {
            case (.float32, _): break
            case (.q8_1, false): Q8_1Activation.quantizeRow(source, count: columns, into: target)
            case (.q8_1, true): Q8_1Activation.quantizeRowReference(source, count: columns, into: target)
            case (.q8_K, false): Q8_KActivation.quantizeRow(source, count: columns, into: target)
            case (.q8_K, true): Q8_KActivation.quantizeRowReference(source, count: columns, into: target)
            }
        }
        if let pool, tokens > 1 {
            pool.run(tasks: tokens, quantizeRow)
        } else {
            for t in 0..<tokens { quantizeRow(t) }
        }
        self.format = format
        self.columns = columns
        self.tokens = tokens
    }
}
