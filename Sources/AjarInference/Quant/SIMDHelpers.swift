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

/// Reinterprets 8 unsigned lanes (values < 2^15) as signed.
@inline(__always)
func asInt16(_ v: SIMD8<UInt16>) -> SIMD8<Int16> { unsafeBitCast(v, to: SIMD8<Int16>.self) }

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

/// The fifth bits of two Q5_0/Q5_1 blocks (`qh`, bit j = high bit of element j), as 0 or 16 in
/// the four runs of `DecodedPair`: run 0 takes bits 0,2,…,14, run 1 bits 16,…,30, run 2 bits
/// 1,…,15 and run 3 bits 17,…,31; lanes 0…7 from the first block, 8…15 from the second.
@inline(__always)
func highBitRuns(_ qh0: UInt32, _ qh1: UInt32) -> DecodedPair {
    let low = SIMD16<UInt16>(lowHalf: SIMD8(repeating: UInt16(truncatingIfNeeded: qh0)),
                             highHalf: SIMD8(repeating: UInt16(truncatingIfNeeded: qh1)))
    let high = SIMD16<UInt16>(lowHalf: SIMD8(repeating: UInt16(truncatingIfNeeded: qh0 >> 16)),
                              highHalf: SIMD8(repeating: UInt16(truncatingIfNeeded: qh1 >> 16)))
    let evenBits = SIMD16<UInt16>(1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14,
                                  1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 8, 1 << 10, 1 << 12, 1 << 14)
    let oddBits = evenBits &<< 1
    let zero = SIMD16<Int16>(repeating: 0), sixteen = SIMD16<Int16>(repeating: 16)
    return DecodedPair(r0: zero.replacing(with: sixteen, where: (low & evenBits) .!= 0),
                       r1: zero.replacing(with: sixteen, where: (high & evenBits) .!= 0),
                       r2: zero.replacing(with: sixteen, where: (low & oddBits) .!= 0),
                       r3: zero.replacing(with: sixteen, where: (high & oddBits) .!= 0))
}

/// `highBitRuns` for one block (8 lanes per run).
@inline(__always)
func highBitRuns(_ qh: UInt32) -> DecodedSingle {
    let pair = highBitRuns(qh, qh)
    return DecodedSingle(r0: pair.r0.lowHalf, r1: pair.r1.lowHalf, r2: pair.r2.lowHalf, r3: pair.r3.lowHalf)
}

/// Stores 8 floats at `pointer + index` (no alignment needed).
@inline(__always)
func store(_ v: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ index: Int) {
    UnsafeMutableRawPointer(pointer + index).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// The fp16 value at `pointer + byteOffset` as a float (one `vcvtph2ps` with F16C).
@inline(__always)
func half(_ pointer: UnsafeRawPointer, _ byteOffset: Int = 0) -> Float {
    Float(Float16(bitPattern: pointer.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)))
}
