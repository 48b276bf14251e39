import AjarCore
import Foundation
import Testing

/// Properties over many generated inputs: parse(write(x)) == x, a cheap fuzz loop, and agreement
/// with Foundation's JSONSerialization.
@Suite struct JSONRoundTripTests {
    @Test("parse(write(x)) == x for 600 seeded random JSON trees, and writing is stable")
    func randomRoundTrip() throws {
        var failures = 0
        for seed in UInt64(1)...600 {
            var rng = SeededGenerator(seed: seed)
            let value = RandomJSON.value(using: &rng)
            let bytes = value.bytes
            let parsed: JSON
            do {
                parsed = try JSONParser.parse(bytes)
            } catch {
                Issue.record("seed \(seed): \(error) for \(value.text)")
                failures += 1
                continue
            }
            if parsed != value || parsed.bytes != bytes {
                failures += 1
                if failures <= 5 { Issue.record("seed \(seed): \(value.text) parsed back as \(parsed.text)") }
            }
        }
        #expect(failures == 0)
    }

    @Test("every Int64 boundary value survives a round trip as .int", arguments: RandomJSON.boundaryInts)
    func intRoundTrip(value: Int64) throws {
        #expect(try JSONParser.parse(JSON.int(value).bytes) == .int(value))
    }

    @Test("every special double survives a round trip exactly", arguments: RandomJSON.specialDoubles)
    func doubleRoundTrip(value: Double) throws {
        #expect(try JSONParser.parse(JSON.double(value).bytes) == .double(value))
    }

    @Test("every nasty character survives a round trip, alone and in a key")
    func stringRoundTrip() throws {
        for scalar in RandomJSON.nastyScalars {
            let text = "<\(scalar)>"
            let value: JSON = [.object([text: .string(text)])]
            #expect(try JSONParser.parse(value.bytes) == value, "U+\(String(scalar.value, radix: 16))")
        }
    }

    // MARK: - Fuzz

    /// Bytes JSON is made of, so random strings get past the first byte often.
    static let alphabet: [UInt8] =
        Array(#"{}[]:,"\/ntrfu0123456789-+.eE ab"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xFF, 0xED]

    /// Checks one input: it parses or throws an error inside the input, and what parses writes back stably.
    static func check(_ bytes: [UInt8], _ label: String) {
        do {
            let value = try JSONParser.parse(bytes)
            let written = value.bytes
            #expect((try? JSONParser.parse(written))?.bytes == written, "\(label): rewrite is not stable")
        } catch {
            #expect((0...bytes.count).contains(error.offset), "\(label): offset \(error.offset) outside the input")
        }
    }

    @Test("2,000 seeded random byte strings parse or throw, never crash")
    func randomBytes() {
        var rng = SeededGenerator(seed: 0xF022)
        var parsed = 0
        for index in 0..<2000 {
            let count = Int.random(in: 0...40, using: &rng)
            let bytes: [UInt8] = (0..<count).map { _ in
                Bool.random(using: &rng)
                    ? Self.alphabet.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
            }
            if (try? JSONParser.parse(bytes)) != nil { parsed += 1 }
            Self.check(bytes, "random #\(index)")
        }
        // Sanity: the generator is not so hostile that nothing ever parses.
        #expect(parsed > 0)
    }

    @Test("2,000 random mutations of valid JSON parse or throw, never crash")
    func mutations() {
        var rng = SeededGenerator(seed: 0xBEEF)
        var outcomes = (parsed: 0, refused: 0)
        for index in 0..<2000 {
            var bytes = RandomJSON.value(maxDepth: 3, using: &rng).bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0...bytes.count, using: &rng)
                let byte =
                    Bool.random(using: &rng)
                    ? Self.alphabet.randomElement(using: &rng) ?? 0 : UInt8.random(in: 0...255, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes.insert(byte, at: position)
                case 1 where position < bytes.count: bytes.remove(at: position)
                case 2 where position < bytes.count: bytes[position] = byte
                default: bytes = Array(bytes.prefix(position))  // truncation
                }
            }
            if (try? JSONParser.parse(bytes)) != nil { outcomes.parsed += 1 } else { outcomes.refused += 1 }
            Self.check(bytes, "mutation #\(index)")
        }
        #expect(outcomes.parsed > 0)
        #expect(outcomes.refused > 0)
    }

    // MARK: - Foundation

    static let foundationDocuments: [String] = [
        "null", "true", "0", "-12", "3.25", "1e300", "-2.5e-5", "9223372036854775807", "-9223372036854775807",
        #""plain""#, #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u4e2d\ud83d\ude00""#, "\"raw é 中 😀\"",
        "[]", "{}", "[1,[2,[3,[4]]],{\"a\":[]}]",
        #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"temperature":0.7,"stream":false,"n":1}"#,
        #"{"z":1,"y":{"x":[true,false,null,1.5,"s"]},"e":""}"#,
        " \n[ 1 ,\t2 ]\r\n",
    ]

    @Test("parses to the same values as Foundation's JSONSerialization", arguments: foundationDocuments)
    func agreesWithFoundation(document: String) throws {
        let ours = try JSONParser.parse(document)
        let theirs = try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
        let converted = try #require(FoundationJSON.convert(theirs))
        #expect(FoundationJSON.equivalent(ours, converted), "ours \(ours.text), Foundation \(converted.text)")
    }

    /// Foundation's own quirks on Linux are kept out of this comparison: it merges duplicate keys
    /// (so objects are built through the subscript), drops U+FEFF inside strings, and its decimal
    /// parsing is not correctly rounded (`0.30000000000000004` reads as `0.3000000000000001`), so
    /// doubles are compared to within a few ulps. The curated documents above compare exactly.
    @Test("what we write, Foundation reads as the same values", arguments: 1...100)
    func foundationReadsOurOutput(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed &* 7919)
        let value = FoundationJSON.normalized(RandomJSON.value(maxDepth: 3, using: &rng))
        let theirs = try JSONSerialization.jsonObject(with: Data(value.bytes), options: [.fragmentsAllowed])
        let converted = try #require(FoundationJSON.convert(theirs))
        #expect(
            FoundationJSON.equivalent(value, converted, ulps: 4), "seed \(seed): \(value.text) vs \(converted.text)")
    }
}

/// Conversion from Foundation's `Any` tree, and value equality that ignores key order and int/double spelling.
enum FoundationJSON {
    static func convert(_ any: Any) -> JSON? {
        switch any {
        case is NSNull: return .null
        case let string as String: return .string(string)
        case let array as [Any]:
            var values: [JSON] = []
            for element in array {
                guard let value = convert(element) else { return nil }
                values.append(value)
            }
            return .array(values)
        case let dictionary as [String: Any]:
            var object = JSONObject()
            for key in dictionary.keys.sorted() {
                guard let element = dictionary[key], let value = convert(element) else { return nil }
                object[key] = value
            }
            return .object(object)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": return .bool(number.boolValue)
            case "d", "f": return .double(number.doubleValue)
            case "Q":
                return number.uint64Value <= UInt64(Int64.max) ? .int(number.int64Value) : .double(number.doubleValue)
            default: return .int(number.int64Value)
            }
        default: return nil
        }
    }

    /// Equal values, ignoring key order and whether a number was spelled as an integer; doubles
    /// may differ by `ulps` units in the last place.
    static func equivalent(_ a: JSON, _ b: JSON, ulps: Double = 0) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.int, .double), (.double, .int), (.double, .double):
            guard let x = a.doubleValue, let y = b.doubleValue else { return false }
            return x == y || abs(x - y) <= ulps * max(x.ulp, y.ulp)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1, ulps: ulps) }
        case (.object(let x), .object(let y)):
            return x.count == y.count
                && x.allSatisfy { key, value in y[key].map { equivalent(value, $0, ulps: ulps) } ?? false }
        default: return a == b
        }
    }

    /// The value as Foundation can represent it: repeated keys collapsed (last value wins) and
    /// U+FEFF removed from strings.
    static func normalized(_ value: JSON) -> JSON {
        func clean(_ string: String) -> String { string.replacingOccurrences(of: "\u{FEFF}", with: "") }
        switch value {
        case .string(let string): return .string(clean(string))
        case .array(let values): return .array(values.map(normalized))
        case .object(let object):
            var result = JSONObject()
            for (key, element) in object { result[clean(key)] = normalized(element) }
            return .object(result)
        default: return value
        }
    }
}
