/// A block-quantised weight type: how to turn its blocks back into floats, and how to take the
/// dot product of a row of its blocks with quantised activations using integer arithmetic.
///
/// Each conforming type (one per file: `Q4_0`, `Q4_1`, …) gives a scalar reference written
/// straight from ggml's format description and a SIMD fast path; the tests hold them together.
/// All functions work on raw pointers and trust their arguments: callers (`Dequantize`,
/// `MatMul`) check types and sizes first, against tensors that `GGUFFile` validated at load.
package protocol QuantizedFormat {
    /// The ggml type this implements.
    static var type: GGMLType { get }
    /// What the activations must be quantised to.
    static var activationFormat: ActivationFormat { get }

    /// Reference dequantisation of `blocks` consecutive blocks at `source` into
    /// `blocks × type.blockSize` floats at `destination`.
    static func dequantizeReference(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>)

    /// Fast dequantisation; bit-identical to `dequantizeReference` (every format's float
    /// arithmetic here is exact or done in the same order).
    static func dequantize(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>)

    /// Reference dot product of one weight row (`blocks` blocks) with one activation row: exact
    /// integer sums per block, combined with the scales in ggml's order, in scalar code.
    static func dotReference(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float

    /// Fast dot product: the same integer sums per block (exact), combined in SIMD lanes, so the
    /// result may differ from `dotReference` by float rounding only.
    static func dot(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float

    /// Dot products of one weight row with the four activation rows of tokens `token ..< token+4`
    /// of `batch`, decoding each weight block once for all four (the prefill kernel).
    static func dot4(_ weights: UnsafeRawPointer, _ batch: QuantizedBatch, token: Int, blocks: Int) -> SIMD4<Float>
}

extension QuantizedFormat {
    /// Four single dots; formats with a dedicated kernel override this.
    @inline(__always)
    package static func dot4(_ weights: UnsafeRawPointer, _ batch: QuantizedBatch, token: Int, blocks: Int) -> SIMD4<Float> {
        SIMD4(dot(weights, batch.row(token), blocks: blocks),
              dot(weights, batch.row(token + 1), blocks: blocks),
              dot(weights, batch.row(token + 2), blocks: blocks),
              dot(weights, batch.row(token + 3), blocks: blocks))
    }
}
