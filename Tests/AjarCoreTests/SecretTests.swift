import AjarCore
import Testing

/// A `Secret` must never print its value, whichever way it is printed.
@Suite struct SecretTests {
    static let key = "sk-proj-DO-NOT-LEAK-1234567890"

    /// Every way Swift turns a value into text, applied to `value`.
    static func renderings(of value: Any) -> [(String, String)] {
        var dumped = ""
        dump(value, to: &dumped)
        let mirror = Mirror(reflecting: value)
        var mirrored = ""
        for child in mirror.children { mirrored += "\(child.label ?? "_")=\(child.value) " }
        return [
            ("String(describing:)", String(describing: value)),
            ("String(reflecting:)", String(reflecting: value)),
            ("interpolation", "\(value)"),
            ("dump", dumped),
            ("Mirror children", mirrored),
        ]
    }

    @Test("description and debugDescription are <redacted>")
    func descriptions() {
        let secret = Secret(Self.key)
        #expect(secret.description == "<redacted>")
        #expect(secret.debugDescription == "<redacted>")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
    }

    @Test("the value is readable explicitly")
    func value() {
        #expect(Secret(Self.key).value == Self.key)
        #expect(!Secret(Self.key).isEmpty)
        #expect(Secret("").isEmpty)
    }

    @Test("no rendering of a secret, alone or inside other values, contains its value")
    func neverPrinted() {
        let secret = Secret(Self.key)
        struct Holder {
            var name = "openai"
            var apiKey: Secret?
        }
        let values: [(String, Any)] = [
            ("secret", secret),
            ("optional", Optional(secret) as Any),
            ("array", [secret]),
            ("dictionary", ["openai": secret]),
            ("struct", Holder(apiKey: secret)),
        ]
        for (name, value) in values {
            for (how, text) in Self.renderings(of: value) {
                #expect(!text.contains(Self.key), "\(how) of \(name) leaks the key: \(text)")
                #expect(!text.contains("DO-NOT-LEAK"), "\(how) of \(name) leaks part of the key")
            }
        }
    }

    @Test("equal values are equal secrets (so configs can be compared)")
    func equality() {
        #expect(Secret("a") == Secret("a"))
        #expect(Secret("a") != Secret("b"))
    }
}
