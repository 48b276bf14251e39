import Foundation
import Testing

@testable import AjarInference

@Suite struct KernelOpsTests {
    static func random(_ count: Int, seed: UInt64, range: ClosedRange<Float> = -3...3) -> [Float] {
        var rng = KernelTestRandom(seed: seed)
        return (0..<count).map { _ in Float.random(in: range, using: &rng) }
    }

    /// Distance in units in the last place.
    static func ulps(_ a: Float, _ b: Float) -> Int {
        if a == b { return 0 }
        let ia = Int(Int32(bitPattern: a.bitPattern)), ib = Int(Int32(bitPattern: b.bitPattern))
        let ka = ia < 0 ? Int(Int32.min) - ia : ia, kb = ib < 0 ? Int(Int32.min) - ib : ib
        return abs(ka - kb)
    }

    @Test("RMSNorm: fast equals reference within 1e-6 relative; in place works; sizes checked", arguments: [1, 7, 8, 576, 1536])
    func rmsNorm(count: Int) throws {
        let x = Self.random(count, seed: UInt64(count)), w = Self.random(count, seed: 2)
        var fast = [Float](repeating: 0, count: count), reference = fast
        try x.withUnsafeBufferPointer { xs in
            try w.withUnsafeBufferPointer { ws in
                try fast.withUnsafeMutableBufferPointer { try RMSNorm.apply(xs, weight: ws, epsilon: 1e-5, into: $0) }
                try reference.withUnsafeMutableBufferPointer { try RMSNorm.applyReference(xs, weight: ws, epsilon: 1e-5, into: $0) }
            }
        }
        for i in 0..<count { #expect(abs(fast[i] - reference[i]) <= 1e-6 * max(1, abs(reference[i])), "\(i)") }
        // Definition check in Double.
        let rms = (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(count) + 1e-5).squareRoot()
        for i in 0..<count { #expect(abs(Double(reference[i]) - Double(x[i]) / rms * Double(w[i])) <= 1e-5 * max(1, abs(Double(reference[i])))) }
        var inPlace = x
        try w.withUnsafeBufferPointer { ws in
            try inPlace.withUnsafeMutableBufferPointer { p in try RMSNorm.apply(UnsafeBufferPointer(p), weight: ws, epsilon: 1e-5, into: p) }
        }
        #expect(inPlace == fast)
        var short = [Float](repeating: 0, count: count + 1)
        #expect(throws: KernelError.self) {
            try x.withUnsafeBufferPointer { xs in try w.withUnsafeBufferPointer { ws in try short.withUnsafeMutableBufferPointer { try RMSNorm.apply(xs, weight: ws, epsilon: 1e-5, into: $0) } } }
        }
    }

    @Test("softmax: matches the reference, sums to 1, is stable for large inputs and −inf", arguments: [1, 5, 8, 33, 300])
    func softmax(count: Int) {
        var fast = Self.random(count, seed: UInt64(count), range: -20...20)
        fast[0] = 1000  // would overflow a naive exp
        if count > 2 { fast[2] = -.infinity }  // a masked position
        var reference = fast
        fast.withUnsafeMutableBufferPointer { Softmax.apply($0) }
        reference.withUnsafeMutableBufferPointer { Softmax.applyReference($0) }
        #expect(fast.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect(abs(fast.reduce(0, +) - 1) <= 1e-5)
        for i in 0..<count { #expect(abs(fast[i] - reference[i]) <= 1e-6, "\(i): \(fast[i]) vs \(reference[i])") }
        if count > 2 { #expect(fast[2] == 0) }
        var allMasked = [Float](repeating: -.infinity, count: 4)
        allMasked.withUnsafeMutableBufferPointer { Softmax.apply($0) }
        #expect(allMasked == [0.25, 0.25, 0.25, 0.25])
        var empty: [Float] = []
        empty.withUnsafeMutableBufferPointer { Softmax.apply($0) }
    }

    @Test("vector exp is within 4 ulp of expf over the whole clamped range")
    func vectorExp() {
        var worst = 0
        var x: Float = -87.3
        while x < 88.7 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.001 })
            let e = VectorMath.exp(v)
            for k in 0..<8 { worst = max(worst, Self.ulps(e[k], Foundation.exp(v[k]))) }
            x += 0.0173
        }
        #expect(worst <= 4, "worst \(worst) ulp")
        let edges = VectorMath.exp(SIMD8<Float>(-1000, 1000, .nan, 0, -0.0, 1, -1, 88.7))
        #expect(edges[0] == 0)
        #expect(VectorMath.exp(SIMD8<Float>(repeating: -.infinity)) == SIMD8<Float>(repeating: 0))
        #expect(edges[1].isFinite && edges[1] > 3e38)
        #expect(edges[2].isNaN)
        #expect(edges[3] == 1 && edges[4] == 1)
    }

    @Test("SwiGLU and SiLU: fast ≈ reference (≤ 4 ulp) and silu's definition", arguments: [1, 8, 13, 1536])
    func swiglu(count: Int) throws {
        let gate = Self.random(count, seed: 4, range: -30...30), up = Self.random(count, seed: 5)
        var fast = [Float](repeating: 0, count: count), reference = fast
        try gate.withUnsafeBufferPointer { g in
            try up.withUnsafeBufferPointer { u in
                try fast.withUnsafeMutableBufferPointer { try SwiGLU.apply(gate: g, up: u, into: $0) }
                try reference.withUnsafeMutableBufferPointer { try SwiGLU.applyReference(gate: g, up: u, into: $0) }
            }
        }
        for i in 0..<count { #expect(abs(fast[i] - reference[i]) <= 4 * reference[i].ulp.magnitude + 1e-30, "\(i)") }
        var silu = gate
        silu.withUnsafeMutableBufferPointer { SiLU.apply($0) }
        for i in 0..<count {
            let expected = Double(gate[i]) / (1 + Foundation.exp(-Double(gate[i])))
            #expect(abs(Double(silu[i]) - expected) <= 1e-6 * max(1, abs(expected)))
        }
        #expect(SiLU.reference(0) == 0)
    }

    @Test("RoPE: the table equals the direct computation; .normal rotates (2i, 2i+1), .neox (i, i+d/2)",
          arguments: [RoPE.Style.normal, .neox])
    func rope(style: RoPE.Style) throws {
        let headDim = 64, heads = 3
        let rope = RoPE(dimensions: headDim, base: 100_000, style: style, maxPositions: 64)
        for position in [0, 1, 17, 63] {
            let x = Self.random(heads * headDim, seed: UInt64(position))
            var fast = x, reference = x
            try fast.withUnsafeMutableBufferPointer { try rope.apply($0, heads: heads, headStride: headDim, position: position) }
            reference.withUnsafeMutableBufferPointer {
                RoPE.applyReference($0, heads: heads, headStride: headDim, dimensions: headDim, base: 100_000, style: style, position: position)
            }
            #expect(fast == reference, "position \(position)")
            // A rotation keeps the norm of each pair.
            for h in 0..<heads {
                for i in 0..<(headDim / 2) {
                    let (a, b) = style == .normal ? (h * headDim + 2 * i, h * headDim + 2 * i + 1) : (h * headDim + i, h * headDim + i + headDim / 2)
                    let before = x[a] * x[a] + x[b] * x[b], after = fast[a] * fast[a] + fast[b] * fast[b]
                    #expect(abs(before - after) <= 1e-5 * max(1, before))
                }
            }
            if position == 0 { #expect(fast == x) }
        }
        // Pair 0 at position 1 rotates by exactly 1 radian.
        var unit = [Float](repeating: 0, count: headDim)
        unit[0] = 1
        try unit.withUnsafeMutableBufferPointer { try rope.apply($0, heads: 1, headStride: headDim, position: 1) }
        let partner = style == .normal ? 1 : headDim / 2
        #expect(unit[0] == Foundation.cos(Float(1)) && unit[partner] == Foundation.sin(Float(1)))
        var v = [Float](repeating: 0, count: headDim)
        #expect(throws: KernelError.indexOutOfRange(what: "RoPE position", index: 64, count: 64)) {
            try v.withUnsafeMutableBufferPointer { try rope.apply($0, heads: 1, headStride: headDim, position: 64) }
        }
        #expect(throws: KernelError.self) {
            try v.withUnsafeMutableBufferPointer { try rope.apply($0, heads: 2, headStride: headDim, position: 0) }
        }
    }

    @Test("dot, axpy, scale and add match scalar code", arguments: [0, 1, 7, 8, 16, 64, 100])
    func vectorMath(count: Int) {
        let a = Self.random(count, seed: 1), b = Self.random(count, seed: 2)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                guard let x = ap.baseAddress, let y = bp.baseAddress else { return }
                let fast = VectorMath.dot(x, y, count: count), reference = VectorMath.dotReference(x, y, count: count)
                #expect(abs(fast - reference) <= 1e-5 * Float(max(1, count)))
            }
        }
        var y = b
        a.withUnsafeBufferPointer { ap in y.withUnsafeMutableBufferPointer { yp in
            guard let x = ap.baseAddress, let out = yp.baseAddress else { return }
            VectorMath.axpy(0.5, x, out, count: count)
        } }
        for i in 0..<count { #expect(y[i] == b[i] + 0.5 * a[i]) }
        var s = a
        s.withUnsafeMutableBufferPointer { if let p = $0.baseAddress { VectorMath.scale(p, by: 3, count: count) } }
        for i in 0..<count { #expect(s[i] == a[i] * 3) }
        var sum = b
        a.withUnsafeBufferPointer { ap in sum.withUnsafeMutableBufferPointer { sp in
            guard let x = ap.baseAddress, let out = sp.baseAddress else { return }
            VectorMath.add(x, into: out, count: count)
        } }
        for i in 0..<count { #expect(sum[i] == b[i] + a[i]) }
    }

    @Test("bulk half conversions round-trip every finite half")
    func halfBulk() {
        let halves = (0...UInt16.max).filter { Float(Float16(bitPattern: $0)).isFinite }
        var floats = [Float](repeating: 0, count: halves.count)
        var back = [UInt16](repeating: 0, count: halves.count)
        halves.withUnsafeBytes { h in floats.withUnsafeMutableBufferPointer { f in
            guard let hb = h.baseAddress, let fb = f.baseAddress else { return }
            Half.convertToFloat(hb, count: halves.count, into: fb)
        } }
        floats.withUnsafeBufferPointer { f in back.withUnsafeMutableBytes { b in
            guard let fb = f.baseAddress, let bb = b.baseAddress else { return }
            Half.convertFromFloat(fb, count: halves.count, into: bb)
        } }
        #expect(back == halves)
    }
}
