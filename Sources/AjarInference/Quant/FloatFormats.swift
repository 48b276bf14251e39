/// The plain float weight types, F32, F16 (IEEE binary16) and BF16: elementwise conversion, and
/// dot products with `Float` activations (no activation quantisation, as in ggml for F32; ggml
/// converts activations to F16/BF16 for those types, we keep them in `Float`, which is at least
/// as accurate).
package enum FloatFormats {
    /// Reference conversion of `count` elements of `type` (F32, F16 or BF16) to floats.
    package static func dequantizeReference(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int,
                                            into destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count { destination[i] = element(type, source, i) }
    }

    /// Fast conversion (SIMD for F16 and BF16, a copy for F32); bit-identical to the reference.
    package static func dequantize(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int,
                                   into destination: UnsafeMutablePointer<Float>) {
        switch type {
        case .f16:
            Half.convertToFloat(source, count: count, into: destination)
        case .bf16:
            var i = 0
            while i + 8 <= count {
                let h = source.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
                store(unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: SIMD8<Float>.self), destination, i)
                i += 8
            }
            while i < count {
                destination[i] = element(type, source, i)
                i += 1
            }
        default:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * count)
        }
    }

    /// Element `i` of a row of `type`, as a float.
    @inline(__always)
    static func element(_ type: GGMLType, _ source: UnsafeRawPointer, _ i: Int) -> Float {
        switch type {
        case .f16: Half.toFloatReference(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        case .bf16: Half.bf16ToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        default: source.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
        }
    }

    /// Reference dot product `Σ w[i]·x[i]` in order, in scalar code.
    package static func dotReference(_ type: GGMLType, _ weights: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += element(type, weights, i) * x[i] }
        return sum
    }

    /// Fast dot product: eight lanes, two accumulators; differs from the reference by rounding only.
    @inline(__always)
    package static func dot(_ type: GGMLType, _ weights: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        switch type {
        case .f16: return dot(type, weights, x, count: count, elementBytes: 2) { Half.toFloat8($0.loadUnaligned(as: SIMD8<UInt16>.self)) }
        case .bf16:
            return dot(type, weights, x, count: count, elementBytes: 2) {
                unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: $0.loadUnaligned(as: SIMD8<UInt16>.self)) &<< 16, to: SIMD8<Float>.self)
            }
        default: return dot(type, weights, x, count: count, elementBytes: 4) { $0.loadUnaligned(as: SIMD8<Float>.self) }
        }
    }

    @inline(__always)
    private static func dot(_ type: GGMLType, _ weights: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int, elementBytes: Int,
                            load: (UnsafeRawPointer) -> SIMD8<Float>) -> Float {
        let xs = UnsafeRawPointer(x)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load(weights + elementBytes * i) * xs.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc1 += load(weights + elementBytes * (i + 8)) * xs.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            i += 16
        }
        if i + 8 <= count {
            acc0 += load(weights + elementBytes * i) * xs.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += element(type, weights, i) * x[i]
            i += 1
        }
        return sum
    }
}
