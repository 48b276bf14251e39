/// IEEE binary16 ("F16", ggml_fp16_t) and bfloat16 ("BF16") ↔ `Float` conversion, scalar and
/// bulk. Written from the IEEE 754 format definitions; the branch-free half → float method is
/// the well-known exponent-rebias-and-multiply technique (also used by ggml's software fallback).
///
/// Bit patterns are passed as `UInt16` so that no caller depends on `Float16` (whose conversions
/// are a library call when the CPU target lacks F16C).
package enum Half {
    // MARK: - binary16 → Float

    /// Converts binary16 bits to `Float`, exactly (every half value is representable). Branch-free:
    /// normal and subnormal results are both computed and one is selected.
    @inline(__always)
    package static func toFloat(_ bits: UInt16) -> Float {
        let w = UInt32(bits) << 16
        let sign = w & 0x8000_0000
        let twice = w &+ w  // drops the sign; exponent and mantissa at the top
        // Normal (and inf/NaN): shift the 5-bit exponent and mantissa into float position, add
        // (127 - 15) - 15 … by placing exponent bias 0xE0 and scaling by 2^-112.
        let normal = Float(bitPattern: (twice >> 4) &+ (0xE0 << 23)) * Float(bitPattern: 0x0780_0000)
        // Subnormal: use the mantissa as the low bits of a float in [0.5, 1) and subtract 0.5.
        let subnormal = Float(bitPattern: (twice >> 17) | (126 << 23)) - 0.5
        let result = twice < (1 << 27) ? subnormal.bitPattern : normal.bitPattern
        return Float(bitPattern: sign | result)
    }

    /// Straight from the field definitions: sign, 5-bit exponent (bias 15), 10-bit mantissa.
    package static func toFloatReference(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * Float(sign: .plus, exponent: -24, significand: 1)
        case 31:
            if bits & 0x3FF == 0 { return sign * .infinity }
            // Keep the payload: quiet NaN with the half's mantissa in the float's top mantissa bits.
            return Float(bitPattern: (UInt32(bits & 0x8000) << 16) | 0x7F80_0000 | (UInt32(bits & 0x3FF) << 13))
        default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    // MARK: - Float → binary16

    /// Converts `Float` to binary16 bits, rounding to nearest, ties to even (what F16C `vcvtps2ph`
    /// and ggml's `GGML_FP32_TO_FP16` do). Overflow gives ±inf; NaN stays NaN (quiet).
    package static func fromFloat(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {  // inf or NaN
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(truncatingIfNeeded: mantissa >> 13) : 0)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 31 { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal half (or zero): shift the full significand right, round to nearest even.
            if halfExponent < -10 { return sign }
            let significand = mantissa | 0x80_0000
            let shift = UInt32(14 - halfExponent)
            var half = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }  // may carry into inf: correct
        return sign | UInt16(half)
    }

    /// Rounds `value` to the nearest binary16 value and back (what storing a ggml_half and reading it does).
    @inline(__always)
    package static func roundedThroughHalf(_ value: Float) -> Float { toFloat(fromFloat(value)) }

    // MARK: - bfloat16

    /// bfloat16 bits → `Float` (the top 16 bits of a float), exact.
    @inline(__always)
    package static func bf16ToFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// `Float` → bfloat16 bits, round to nearest even, NaN forced quiet (as ggml_compute_fp32_to_bf16).
    package static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: (bits >> 16) | 64) }
        return UInt16(truncatingIfNeeded: (UInt64(bits) + 0x7FFF + UInt64((bits >> 16) & 1)) >> 16)
    }

    // MARK: - Bulk

    /// `dst[i] = Float(half src[i])` for `i in 0..<count`. SIMD, 8 at a time.
    package static func convertToFloat(_ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            let h = src.loadUnaligned(fromByteOffset: 2 * i, as: SIMD8<UInt16>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: toFloat8(h), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            dst[i] = toFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }

    /// `dst[i] = half bits of src[i]` (round to nearest even) for `i in 0..<count`.
    package static func convertFromFloat(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        for i in 0..<count {
            dst.storeBytes(of: fromFloat(src[i]), toByteOffset: 2 * i, as: UInt16.self)
        }
    }

    /// Four halves to four floats. Written as four `Float16` conversions, which LLVM turns into one
    /// `vcvtph2ps` when the target has F16C (x86-64-v3); exact either way.
    @inline(__always)
    package static func toFloat4(_ h: SIMD4<UInt16>) -> SIMD4<Float> {
        SIMD4(Float(Float16(bitPattern: h[0])), Float(Float16(bitPattern: h[1])),
              Float(Float16(bitPattern: h[2])), Float(Float16(bitPattern: h[3])))
    }

    /// Two halves to two floats (see `toFloat4`).
    @inline(__always)
    package static func toFloat2(_ h: SIMD2<UInt16>) -> SIMD2<Float> {
        SIMD2(Float(Float16(bitPattern: h[0])), Float(Float16(bitPattern: h[1])))
    }

    /// Eight halves to eight floats, the same method as `toFloat(_:)` in SIMD lanes.
    @inline(__always)
    package static func toFloat8(_ h: SIMD8<UInt16>) -> SIMD8<Float> {
        // (SIMD8 u16 → u32 widening compiles to one vpmovzxwd; checked in the assembly.)
        let w = SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16
        let sign = w & 0x8000_0000
        let twice = w &+ w
        let normal = unsafeBitCast((twice &>> 4) &+ (0xE0 << 23), to: SIMD8<Float>.self)
            * Float(bitPattern: 0x0780_0000)
        let subnormal = unsafeBitCast((twice &>> 17) | (126 << 23), to: SIMD8<Float>.self) - 0.5
        let isSubnormal = twice .< SIMD8<UInt32>(repeating: 1 << 27)
        let magnitude = unsafeBitCast(normal, to: SIMD8<UInt32>.self)
            .replacing(with: unsafeBitCast(subnormal, to: SIMD8<UInt32>.self), where: isSubnormal)
        return unsafeBitCast(sign | magnitude, to: SIMD8<Float>.self)
    }
}
