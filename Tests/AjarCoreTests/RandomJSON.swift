import AjarCore

/// SplitMix64: a tiny seeded generator, so every random test case can be reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON trees for round-trip and fuzz tests: unicode strings with control characters,
/// quotes, backslashes and emoji; integers including the Int64 bounds; doubles of every magnitude.
enum RandomJSON {
    static let boundaryInts: [Int64] = [
        0, 1, -1, .max, .min, .max - 1, .min + 1, 999_999_999_999_999_999, -999_999_999_999_999_999,
        1_000_000_000_000_000_000, -1_000_000_000_000_000_000, Int64(Int32.max) + 1, 1 << 53, -(1 << 53) - 1,
    ]

    static let specialDoubles: [Double] = [
        0.1, -0.1, 1.5, 1e-7, 5e-324, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e15, 1e16, 1e300,
        2.2250738585072014e-308, 123_456.789, -9.223372036854776e18, 0.30000000000000004,
    ]

    /// Characters that stress the string escaper and the UTF-8 validator.
    static let nastyScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\"", "\\", "/", "\u{7F}", "\u{80}",
        "é", "ß", "中", "\u{301}", "\u{200D}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}", "😀", "👩",
        "🏳", "\u{1F3FB}", "\u{10FFFF}", "\u{E000}",
    ]

    /// A random value; containers only above `maxDepth`.
    static func value(depth: Int = 0, maxDepth: Int = 4, using rng: inout SeededGenerator) -> JSON {
        let kinds = depth >= maxDepth ? 5 : 7
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(int(using: &rng))
        case 3: return .double(double(using: &rng))
        case 4: return .string(string(using: &rng))
        case 5:
            let count = Int.random(in: 0...5, using: &rng)
            return .array((0..<count).map { _ in value(depth: depth + 1, maxDepth: maxDepth, using: &rng) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                // `append`, not the subscript: a repeated key must survive too.
                object.append(string(using: &rng), value(depth: depth + 1, maxDepth: maxDepth, using: &rng))
            }
            return .object(object)
        }
    }

    static func int(using rng: inout SeededGenerator) -> Int64 {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: boundaryInts.randomElement(using: &rng) ?? 0
        case 1: Int64.random(in: -1000...1000, using: &rng)
        default: Int64.random(in: .min ... .max, using: &rng)
        }
    }

    /// A finite double that the writer keeps a double: not a whole number below 1e15, which it
    /// writes as an integer (``JSONWriterTests`` covers that case).
    static func double(using rng: inout SeededGenerator) -> Double {
        while true {
            let candidate: Double
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: candidate = specialDoubles.randomElement(using: &rng) ?? 0.5
            case 1: candidate = Double.random(in: -1e6...1e6, using: &rng)
            default: candidate = Double(bitPattern: rng.next())
            }
            if candidate.isFinite, !(candidate == candidate.rounded() && abs(candidate) < 1e15) { return candidate }
        }
    }

    static func string(using rng: inout SeededGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: scalars.append(nastyScalars.randomElement(using: &rng) ?? "x")
            case 1: scalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &rng)))
            case 2:
                // Any scalar outside the surrogate range.
                let raw = UInt32.random(in: 0...0x10FFFF, using: &rng)
                scalars.append(Unicode.Scalar(raw) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(UInt8.random(in: 0...0x1F, using: &rng)))
            }
        }
        return String(scalars)
    }
}
