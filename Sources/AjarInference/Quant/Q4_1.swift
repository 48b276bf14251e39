/// Q4_1: blocks of 32 weights in 20 bytes (ggml-common.h `block_q4_1`):
///
///     offset 0  fp16 d      scale
///     offset 2  fp16 m      minimum
///     offset 4  qs[16]      byte j: element j in the low nibble, element j+16 in the high nibble
///
/// Weight = d·q + m with q in 0…15. Dot with Q8_1 activations (ggml `vec_dot_q4_1_q8_1`):
/// Σ_blocks d·d_a·Σ(q·a) + m·s_a, where s_a = d_a·Σa (so the minimum needs no per-element work).
package enum Q4_1: QuantizedFormat {
    package static let type = GGMLType.q4_1
    package static let activationFormat = ActivationFormat.q8_1
    static let blockBytes = 20

    package static func dequantizeReference(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let d = Half.toFloatReference(block.loadUnaligned(as: UInt16.self))
            let m = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                destination[32 * b + j] = Float(byte & 0x0F) * d + m
                destination[32 * b + j + 16] = Float(byte >> 4) * d + m
            }
        }
    }

    package static func dequantize(_ source: UnsafeRawPointer, blocks: Int, into destination: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            let block = source + blockBytes * b
            let (d, m) = halfPair(block)
            let q = block.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
            let (l0, l1) = floats(q & 0x0F)
            let (h0, h1) = floats(q &>> 4)
            store(l0 * d + m, destination, 32 * b)
            store(l1 * d + m, destination, 32 * b + 8)
            store(h0 * d + m, destination, 32 * b + 16)
            store(h1 * d + m, destination, 32 * b + 24)
        }
    }

    package static func dotReference(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float {
        var sum: Float = 0
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            var isum: Int32 = 0
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                isum += Int32(byte & 0x0F) * activations.value(at: 32 * b + j)
                isum += Int32(byte >> 4) * activations.value(at: 32 * b + j + 16)
            }
            let d = Half.toFloatReference(block.loadUnaligned(as: UInt16.self))
            let m = Half.toFloatReference(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            sum += d * activations.scales[b] * Float(isum) + m * activations.sums[b]
        }
        return sum
    }

    package static func dot(_ weights: UnsafeRawPointer, _ activations: QuantizedRow, blocks: Int) -> Float {
        var acc = SIMD8<Float>()
        var minimums: Float = 0
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            let (d, m) = halfPair(block)
            let w = splitNibbles(block + 4)
            let a = activations.block32(b)
            let isum = multiplyAddPairs(w.even, loadInt16x16(a)) &+ multiplyAddPairs(w.odd, loadInt16x16(a, 32))
            acc += SIMD8<Float>(isum) * (d * activations.scales[b])
            minimums += m * activations.sums[b]
        }
        return acc.sum() + minimums
    }

    package static func dot4(_ weights: UnsafeRawPointer, _ batch: QuantizedBatch, token: Int, blocks: Int) -> SIMD4<Float> {
        let r0 = batch.row(token), r1 = batch.row(token + 1), r2 = batch.row(token + 2), r3 = batch.row(token + 3)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        var minimums = SIMD4<Float>()
        for b in 0..<blocks {
            let block = weights + blockBytes * b
            let (d, m) = halfPair(block)
            let w = splitNibbles(block + 4)
            var a = r0.block32(b)
            acc0 += SIMD8<Float>(multiplyAddPairs(w.even, loadInt16x16(a)) &+ multiplyAddPairs(w.odd, loadInt16x16(a, 32)))
                * (d * r0.scales[b])
            a = r1.block32(b)
            acc1 += SIMD8<Float>(multiplyAddPairs(w.even, loadInt16x16(a)) &+ multiplyAddPairs(w.odd, loadInt16x16(a, 32)))
                * (d * r1.scales[b])
            a = r2.block32(b)
            acc2 += SIMD8<Float>(multiplyAddPairs(w.even, loadInt16x16(a)) &+ multiplyAddPairs(w.odd, loadInt16x16(a, 32)))
                * (d * r2.scales[b])
            a = r3.block32(b)
            acc3 += SIMD8<Float>(multiplyAddPairs(w.even, loadInt16x16(a)) &+ multiplyAddPairs(w.odd, loadInt16x16(a, 32)))
                * (d * r3.scales[b])
            minimums += m * SIMD4(r0.sums[b], r1.sums[b], r2.sums[b], r3.sums[b])
        }
        return SIMD4(acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum()) + minimums
    }
}
