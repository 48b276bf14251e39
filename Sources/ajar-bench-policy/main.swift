// Release-mode benchmark of the built-in detectors: microseconds per KiB of prompt, for text with
// no sensitive data and text with some. Goal (issue 5): under 20 µs/KiB for all detectors together.
//
//     swift build -c release --product ajar-bench-policy && .build/release/ajar-bench-policy
import AjarCore
import AjarPolicy
import Foundation  // links libm for AjarCore on Linux

/// Deterministic text generator (SplitMix64), so every run measures the same bytes.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let words = """
    the of and to in is was for on that with as by at from it be this are have an which or not had were \
    but has their more one all been would its also than other after first new two into only time year some \
    people could there these may most when over such about used between them both during through model \
    request gateway policy latency tokens deploy version 1.2.3 build 2024-01-15 12:30:45 order #48213 \
    release v6.3.1 swift func let var return struct enum case if else guard while for in print(x) \
    {"role":"user","content":"hello"} SELECT id FROM users WHERE id = 42; Résumé naïve café 日本
    """.split(separator: " ").map(String.init)

func makeText(kibibytes: Int, sensitive: Bool, seed: UInt64) -> String {
    var rng = SplitMix64(state: seed)
    let samples = [
        "ada.lovelace@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
        "123-45-6789", "192.168.10.24", "2001:db8::8a2e:370:7334", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "sk-proj-Abc123Def456Ghi789Jkl012Mno345", "(415) 555-0123",
    ]
    var text = ""
    text.reserveCapacity(kibibytes * 1024 + 64)
    var sinceSensitive = 0
    while text.utf8.count < kibibytes * 1024 {
        if sensitive, sinceSensitive > 40, rng.next() % 8 == 0 {
            text += samples[Int(rng.next() % UInt64(samples.count))]
            sinceSensitive = 0
        } else {
            text += words[Int(rng.next() % UInt64(words.count))]
            sinceSensitive += 1
        }
        text += rng.next() % 12 == 0 ? ".\n" : " "
    }
    return text
}

/// Best-of-`rounds` time per KiB, in microseconds, of `body` over `text`.
func measure(_ label: String, _ text: String, rounds: Int = 150, iterations: Int = 1, _ body: (String) -> Int) {
    let kib = Double(text.utf8.count) / 1024
    var best = Double.infinity
    var found = 0
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let elapsed = clock.measure {
            for _ in 0..<iterations { found = body(text) }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        best = min(best, seconds / Double(iterations) / kib * 1e6)
    }
    let padded = label.padding(toLength: 46, withPad: " ", startingAt: 0)
    print("\(padded) \(String(format: "%7.2f", best)) µs/KiB  (\(String(format: "%.0f", kib)) KiB, \(found) spans)")
}

let clean = makeText(kibibytes: 64, sensitive: false, seed: 1)
let dirty = makeText(kibibytes: 64, sensitive: true, seed: 2)
let scanner = SensitiveDataScanner.builtIn

print("ajar-bench-policy: built-in detectors, best of 150 runs (the minimum filters out time lost to other processes)")
measure("all built-in detectors, no sensitive data", clean) { scanner.scan($0).count }
measure("all built-in detectors, some sensitive data", dirty) { scanner.scan($0).count }
for detector in SensitiveDataScanner.builtInDetectors {
    let single = SensitiveDataScanner(detectors: [detector])
    measure("  \(detector.dataClass.rawValue), no sensitive data", clean) { single.scan($0).count }
    measure("  \(detector.dataClass.rawValue), some sensitive data", dirty) { single.scan($0).count }
}

// The whole plan: scan every message, pick actions, filter candidates, pseudonymise.
let engine: PolicyEngine
do {
    engine = try PolicyEngine(
        config: PolicyConfig(data: ["email": .pseudonymise, "phone": .pseudonymise, "payment_card": .keepLocal]))
} catch {
    print("config error: \(error)")
    exit(1)
}
let candidates = [
    ModelCard(alias: "gpt", provider: "openai", hosting: .vendor),
    ModelCard(alias: "llama", provider: "local", hosting: .local, openness: OpennessRecord(weights: .restricted)),
]
let principal = Principal(app: "bench", team: "bench")
for (label, text) in [
    ("PolicyEngine.plan, no sensitive data", clean), ("PolicyEngine.plan, some sensitive data", dirty),
] {
    let request = ChatRequest(model: "gpt", messages: [ChatMessage(role: .user, text: text)])
    measure(label, text) { _ in
        (try? engine.plan(request: request, principal: principal, candidates: candidates))?.dataClasses.count ?? -1
    }
}
