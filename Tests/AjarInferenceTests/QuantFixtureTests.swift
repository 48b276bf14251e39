import Foundation
import Testing

@testable import AjarInference

/// The scalar references against gguf-py (ggml's own Python reader and quantisers) on the
/// fixtures of scripts/make-quant-fixtures.py.
@Suite struct QuantFixtureTests {
    static let types: [(String, GGMLType)] = [("f16", .f16), ("bf16", .bf16), ("q4_0", .q4_0), ("q4_1", .q4_1), ("q5_0", .q5_0),
                                              ("q5_1", .q5_1), ("q8_0", .q8_0), ("q4_k", .q4_K), ("q5_k", .q5_K), ("q6_k", .q6_K)]

    @Test("reference dequantisation equals gguf-py's bit for bit", arguments: types)
    func referenceMatchesGGUFPy(name: String, type: GGMLType) throws {
        let blocks = try QuantFixtures.bytes("\(name).blocks")
        let expected = try QuantFixtures.floats("\(name).dequant.f32")
        #expect(blocks.count == expected.count / type.blockSize * type.blockBytes)
        var reference = [Float](repeating: .nan, count: expected.count)
        try dequantize(type, blocks, expected.count, into: &reference, reference: true)
        #expect(bitsEqual(reference, expected), "\(name)")
        var fast = [Float](repeating: .nan, count: expected.count)
        try dequantize(type, blocks, expected.count, into: &fast, reference: false)
        #expect(bitsEqual(fast, expected), "\(name) fast")
    }

    @Test("Q8_1 activation quants and scales equal gguf-py's Q8_0 quantisation of the same input")
    func activationMatchesGGUFPyQ8_0() throws {
        let input = try QuantFixtures.floats("q8_0.input.f32")
        let blocks = try QuantFixtures.bytes("q8_0.blocks")
        let activations = QuantizedActivations(maxColumns: input.count)
        defer { withExtendedLifetime(activations) {} }
        for reference in [true, false] {
            try input.withUnsafeBufferPointer { x in
                try activations.quantize(try #require(x.baseAddress), columns: input.count, tokens: 1, format: .q8_1, reference: reference)
            }
            let row = activations.row(0)
            for b in 0..<(input.count / 32) {
                let block = Array(blocks[(34 * b)..<(34 * b + 34)])
                let d = Half.toFloat(UInt16(block[0]) | UInt16(block[1]) << 8)
                #expect(row.scales[b].bitPattern == d.bitPattern, "block \(b) scale (reference: \(reference))")
                for j in 0..<32 {
                    #expect(row.q8_1Value(at: 32 * b + j) == Int32(Int8(bitPattern: block[2 + j])), "block \(b) element \(j)")
                }
            }
        }
    }

    @Test("real model rows dequantise to gguf-py's values", .enabled(if: DefaultModelFixture.isAvailable),
          arguments: [("blk.0.attn_q.weight", 7, "blk0_attn_q_row7"), ("token_embd.weight", 1000, "token_embd_row1000")])
    func modelRows(tensor: String, row: Int, label: String) throws {
        let file = try #require(DefaultModelFixture.file)
        let view = try #require(file.tensor(tensor))
        let expected = try QuantFixtures.floats("model.\(label).dequant.f32")
        var out = [Float](repeating: .nan, count: view.rowLength)
        try out.withUnsafeMutableBufferPointer { try view.dequantizeRow(row, into: $0) }
        #expect(bitsEqual(out, expected))
        let source = try #require(view.row(row))
        var reference = [Float](repeating: .nan, count: view.rowLength)
        try reference.withUnsafeMutableBufferPointer {
            try Dequantize.row(view.type, source, count: view.rowLength, into: try #require($0.baseAddress), reference: true)
        }
        #expect(bitsEqual(reference, expected))
    }
}
