import Testing

@testable import AjarInference

/// Block sizes as ggml-common.h asserts them (`static_assert(sizeof(block_q4_0) == …)`).
@Suite struct QuantTypeTests {
    @Test("block sizes and byte sizes match ggml-common.h", arguments: [
        (GGMLType.q4_0, 32, 2 + 16), (.q4_1, 32, 2 + 2 + 16), (.q5_0, 32, 2 + 4 + 16), (.q5_1, 32, 2 + 2 + 4 + 16),
        (.q8_0, 32, 2 + 32), (.q8_1, 32, 2 + 2 + 32), (.q4_K, 256, 2 + 2 + 12 + 128), (.q5_K, 256, 2 + 2 + 12 + 32 + 128),
        (.q6_K, 256, 128 + 64 + 16 + 2), (.q8_K, 256, 4 + 256 + 2 * 16), (.f32, 1, 4), (.f16, 1, 2), (.bf16, 1, 2),
    ])
    func sizes(type: GGMLType, blockSize: Int, blockBytes: Int) {
        #expect(type.blockSize == blockSize)
        #expect(type.blockBytes == blockBytes)
    }

    @Test("the named sizes from ggml-common.h: q4_0 18, q4_1 20, q5_0 22, q5_1 24, q8_0 34, q4_K 144, q5_K 176, q6_K 210, q8_K 292")
    func namedSizes() {
        #expect([GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0].map(\.blockBytes) == [18, 20, 22, 24, 34])
        #expect([GGMLType.q4_K, .q5_K, .q6_K, .q8_K].map(\.blockBytes) == [144, 176, 210, 292])
    }

    @Test("type ids are ggml's")
    func ids() {
        #expect(GGMLType.f32.rawValue == 0 && GGMLType.f16.rawValue == 1 && GGMLType.q4_0.rawValue == 2)
        #expect(GGMLType.q4_1.rawValue == 3 && GGMLType.q5_0.rawValue == 6 && GGMLType.q8_0.rawValue == 8)
        #expect(GGMLType.q4_K.rawValue == 12 && GGMLType.q6_K.rawValue == 14 && GGMLType.bf16.rawValue == 30)
        #expect(GGMLType(rawValue: 4) == nil && GGMLType(rawValue: 31) == nil && GGMLType(rawValue: 99) == nil)
    }

    @Test("row byte sizes: whole blocks only, no overflow")
    func rowBytes() {
        #expect(GGMLType.q4_1.rowBytes(elements: 576) == 18 * 20)
        #expect(GGMLType.q8_0.rowBytes(elements: 576) == 18 * 34)
        #expect(GGMLType.q4_K.rowBytes(elements: 576) == nil)
        #expect(GGMLType.f32.rowBytes(elements: Int.max) == nil)
    }

    @Test("the kernels support exactly the documented types")
    func supported() {
        let supported = GGMLType.allCases.filter(\.isSupportedByKernels)
        #expect(Set(supported) == [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K])
        for type in GGMLType.allCases {
            #expect((MatMul.activationFormat(of: type) != nil) == type.isSupportedByKernels, "\(type)")
        }
    }
}
