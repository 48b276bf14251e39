// Small SIMD building blocks for the quantised kernels.
//
// Swift's generic SIMD conversions and some reductions compile to library calls (checked with
// `swiftc -Ounchecked -emit-assembly`: `SIMD16<Int16>(truncatingIfNeeded: SIMD16<UInt8>)`,
// `SIMD8<Int32>(SIMD8<Float>)`, `.rounded(_:)`, `.max()`, `pointwiseMax`). The helpers here use
// only shapes that compile to single instructions: bitcasts, lane shifts and masks, SIMD8
// widenings (Int16→Int32, UInt8→Int32, Int32→Float), even/odd shuffles and `replacing(with:where:)`.

/// `Σ a[2i]·b[2i] + a[2i+1]·b[2i+1]` per Int32 lane: LLVM matches this to `pmaddwd`/`vpmaddwd`.
/// Exact as long as each pair sum fits in Int32 (always, for |a|,|b| ≤ 2^15).
@inline(__always)
func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
    SIMD8<Int32>(truncatingIfNeeded: a.evenHalf) &* SIMD8<Int32>(truncatingIfNeeded: b.evenHalf)
        &+ SIMD8<Int32>(truncatingIfNeeded: a.oddHalf) &* SIMD8<Int32>(truncatingIfNeeded: b.oddHalf)
}

/// Loads 16 Int16 lanes from `pointer + byteOffset` (no alignment needed).
@inline(__always)
func loadInt16x16(_ pointer: UnsafeRawPointer, _ byteOffset: Int = 0) -> SIMD16<Int16> {
    pointer.loadUnaligned(fromByteOffset: byteOffset, as: SIMD16<Int16>.self)
}

/// Reinterprets 16 unsigned lanes (values < 2^15) as signed.
@inline(__always)
func asInt16(_ v: SIMD16<UInt16>) -> SIMD16<Int16> { unsafeBitCast(v, to: SIMD16<Int16>.self) }

/// Largest lane.
@inline(__always)
func horizontalMax(_ v: SIMD8<Float>) -> Float {
    let a = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
    let b = a.lowHalf.replacing(with: a.highHalf, where: a.highHalf .> a.lowHalf)
    return Swift.max(b[0], b[1])
}

/// Lane-wise maximum.
@inline(__always)
func lanewiseMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .> a)
}

/// Lane-wise |v| (clears the sign bit).
@inline(__always)
func lanewiseAbs(_ v: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
}

/// Rounds to the nearest integer, ties to even, for |v| < 2^22: adding 1.5·2^23 pushes the
/// fraction out of the mantissa (this is ggml's `nearest_int`). Garbage, not a trap, outside.
@inline(__always)
func roundToNearestEven(_ v: SIMD8<Float>) -> SIMD8<Int32> {
    let shifted = unsafeBitCast(v + 12_582_912.0, to: SIMD8<Int32>.self)
    return (shifted & 0x007F_FFFF) &- 0x0040_0000
}

/// Rounds half away from zero (C `roundf`), bit-exact for |v| < 2^22: round |v| + 0.49999997 down
/// (the classic `trunc(x + copysign(0.5 - ulp, x))`), then restore the sign.
@inline(__always)
func roundHalfAwayFromZero(_ v: SIMD8<Float>) -> SIMD8<Int32> {
    let magnitude = lanewiseAbs(v) + Float(bitPattern: 0x3EFF_FFFF)  // 0.49999997
    var n = roundToNearestEven(magnitude)
    // Nearest-even may have rounded up; floor wants the integer at or below.
    let roundedUp = SIMD8<Float>(n) .> magnitude
    n = n.replacing(with: n &- 1, where: roundedUp)
    let negative = v .< SIMD8<Float>(repeating: 0)
    return n.replacing(with: 0 &- n, where: negative)
}

/// Scalar `roundf` to Int32 that cannot trap: NaN gives 0, out-of-range values clamp.
@inline(__always)
func roundedInt32(_ x: Float) -> Int32 {
    guard x.isFinite else { return x.isNaN ? 0 : (x > 0 ? .max : .min) }
    let r = x.rounded(.toNearestOrAwayFromZero)
    if r >= 2_147_483_520 { return .max }
    if r <= -2_147_483_648 { return .min }
    return Int32(r)
}

/// Scalar ggml `nearest_int`: round to nearest even for |x| ≤ 4194303; never traps.
@inline(__always)
func nearestInt(_ x: Float) -> Int32 {
    Int32(bitPattern: (x + 12_582_912.0).bitPattern & 0x007F_FFFF) - 0x0040_0000
}

/// Splits 16 bytes of packed nibbles — byte j holds element j in its low nibble and element
/// j + 16 in its high nibble (the Q4_0/Q4_1/Q5_x layout) — into the 16 even-indexed and the 16
/// odd-indexed elements (0…15 each), matching `QuantizedRow`'s per-32 layout.
///
/// Read as eight UInt16 lanes, lane k holds bytes 2k (low byte) and 2k+1, so the four nibbles of
/// a lane are elements 2k, 2k+16, 2k+1 and 2k+17. Shifts and masks pull them apart.
@inline(__always)
func splitNibbles(_ packed: UnsafeRawPointer) -> (even: SIMD16<Int16>, odd: SIMD16<Int16>) {
    let q = packed.loadUnaligned(as: SIMD8<UInt16>.self)
    let mask = SIMD8<UInt16>(repeating: 0x000F)
    let even = SIMD16<UInt16>(lowHalf: q & mask, highHalf: (q &>> 4) & mask)
    let odd = SIMD16<UInt16>(lowHalf: (q &>> 8) & mask, highHalf: q &>> 12)
    return (asInt16(even), asInt16(odd))
}

/// The fifth bits of a Q5_0/Q5_1 block (`qh`, bit j = high bit of element j) spread over the
/// even/odd lanes of `splitNibbles`, as 0 or 16 per lane.
@inline(__always)
func splitHighBits(_ qh: UInt32) -> (even: SIMD16<Int16>, odd: SIMD16<Int16>) {
    let low = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: qh))
    let high = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: qh >> 16))
    let bits = SIMD16<UInt16>(lowHalf: low, highHalf: high)
    // Even lanes k (elements 2k and 2k+16) test bit 2k of their half; odd lanes bit 2k+1.
    let evenMask = SIMD16<UInt16>(1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14,
                                  1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14)
    let oddMask = evenMask &<< 1
    let zero = SIMD16<Int16>(repeating: 0)
    let sixteen = SIMD16<Int16>(repeating: 16)
    let even = zero.replacing(with: sixteen, where: (bits & evenMask) .!= 0)
    let odd = zero.replacing(with: sixteen, where: (bits & oddMask) .!= 0)
    return (even, odd)
}

/// Elements `0..<16` as Int32 → Float, from 16 unsigned bytes (`SIMD8` widenings only).
@inline(__always)
func floats(_ bytes: SIMD16<UInt8>) -> (SIMD8<Float>, SIMD8<Float>) {
    (SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes.lowHalf)),
     SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes.highHalf)))
}

/// Elements `0..<16` as Float, from 16 signed bytes.
@inline(__always)
func floats(_ bytes: SIMD16<Int8>) -> (SIMD8<Float>, SIMD8<Float>) {
    (SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes.lowHalf)),
     SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: bytes.highHalf)))
}

/// Stores 8 floats at `pointer + index` (no alignment needed).
@inline(__always)
func store(_ v: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ index: Int) {
    UnsafeMutableRawPointer(pointer + index).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// The two fp16 values at `pointer` (e.g. Q4_1's d and m) as floats.
@inline(__always)
func halfPair(_ pointer: UnsafeRawPointer) -> (Float, Float) {
    let bits = pointer.loadUnaligned(as: UInt32.self)
    return (Half.toFloat(UInt16(truncatingIfNeeded: bits)), Half.toFloat(UInt16(truncatingIfNeeded: bits >> 16)))
}

/// The fp16 value at `pointer + byteOffset` as a float.
@inline(__always)
func half(_ pointer: UnsafeRawPointer, _ byteOffset: Int = 0) -> Float {
    Half.toFloat(pointer.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self))
}
