import AjarCore
import Testing

/// The parser against RFC 8259: tables of valid and invalid documents, the depth limit, UTF-8
/// validation, surrogate escapes and large inputs.
@Suite struct JSONParserTests {
    // MARK: - Valid documents

    static let valid: [(String, JSON)] = [
        ("null", .null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .int(0)),
        ("-0", .int(0)),
        ("42", .int(42)),
        ("-42", .int(-42)),
        ("1.5", .double(1.5)),
        ("-1.5e3", .double(-1500)),
        ("1E2", .double(100)),
        ("1e+2", .double(100)),
        ("2.5e-3", .double(0.0025)),
        ("1.0", .double(1)),
        ("1e-400", .double(0)),
        ("9223372036854775807", .int(.max)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("123456789012345678901234567890", .double(1.2345678901234568e29)),
        ("1.7976931348623157e308", .double(.greatestFiniteMagnitude)),
        (#""""#, .string("")),
        (#""hello""#, .string("hello")),
        (#""a\"b\\c\/d\be\ff\ng\rh\ti""#, .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti")),
        (#""\u00e9\u00E9""#, .string("éé")),
        (#""\u0000""#, .string("\u{0}")),
        (#""\uD83D\uDE00""#, .string("😀")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""\uD83D""#, .string("\u{FFFD}")),
        (#""\uDE00""#, .string("\u{FFFD}")),
        (#""\uD83Dx""#, .string("\u{FFFD}x")),
        (#""\uD83D\u0041""#, .string("\u{FFFD}A")),
        (#""\uD83D\uD83D\uDE00""#, .string("\u{FFFD}😀")),
        (#""\uDE00\uD83D""#, .string("\u{FFFD}\u{FFFD}")),
        ("\"é 😀 中文\"", .string("é 😀 中文")),
        ("\"\u{7F}\"", .string("\u{7F}")),
        ("[]", .array([])),
        ("{}", .object([:])),
        (" \t\n\r[ 1 , \"a\" , null , true ] \n", .array([1, "a", nil, true])),
        (#"{"a":{"b":[1,2,{"c":null}]}}"#, ["a": ["b": [1, 2, ["c": nil]]]]),
        (#"[[[]],{}]"#, [[[]], [:]]),
    ]

    @Test("parses each valid document to the expected value", arguments: valid)
    func parsesValid(text: String, expected: JSON) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("parses integers without fraction or exponent as .int and others as .double")
    func integersAreInts() throws {
        #expect(try JSONParser.parse("7") == .int(7))
        #expect(try JSONParser.parse("7.0") == .double(7))
        #expect(try JSONParser.parse("7e0") == .double(7))
    }

    static let int64BoundTexts: [(String, Int64)] = [
        ("9223372036854775807", .max),
        ("-9223372036854775807", -.max),
        ("-9223372036854775808", .min),
        ("-1000000000000000000", -1_000_000_000_000_000_000),
        ("-999999999999999999", -999_999_999_999_999_999),
        ("1000000000000000000", 1_000_000_000_000_000_000),
    ]

    @Test(
        "parses every integer that fits in Int64 as .int, including 19-digit negatives and Int64.min",
        arguments: int64BoundTexts)
    func int64Bounds(text: String, expected: Int64) throws {
        #expect(try JSONParser.parse(text) == .int(expected))
    }

    @Test("keeps object keys in document order, duplicates included, and finds the first duplicate")
    func keyOrder() throws {
        let parsed = try JSONParser.parse(#"{"zeta":1,"alpha":2,"mid":3,"alpha":4}"#)
        let object = try #require(parsed.objectValue)
        #expect(object.keys == ["zeta", "alpha", "mid", "alpha"])
        #expect(object.values == [1, 2, 3, 4])
        #expect(object["alpha"] == 2)
    }

    @Test("parses from any collection of bytes, contiguous or not")
    func nonContiguousInput() throws {
        let text = #"{"a":[1,"x"]}"#
        #expect(try JSONParser.parse(Array(text.utf8)) == ["a": [1, "x"]])
        #expect(try JSONParser.parse(ArraySlice(Array("  \(text)  ".utf8))[1...]) == ["a": [1, "x"]])
        #expect(try JSONParser.parse(text.utf8) == ["a": [1, "x"]])
    }

    // MARK: - Invalid documents

    static let invalid: [(String, JSONParseError.Reason)] = [
        ("", .empty),
        (" \n\t ", .empty),
        ("[", .unexpectedEnd),
        ("{", .unexpectedEnd),
        ("[1,", .unexpectedEnd),
        (#"{"a":"#, .unexpectedEnd),
        (#"{"a""#, .unexpectedEnd),
        ("[1,]", .unexpectedCharacter(UInt8(ascii: "]"))),
        ("[1 2]", .unexpectedCharacter(UInt8(ascii: "2"))),
        (#"{"a" 1}"#, .unexpectedCharacter(UInt8(ascii: "1"))),
        ("{a:1}", .unexpectedCharacter(UInt8(ascii: "a"))),
        (#"{"a":1,}"#, .unexpectedCharacter(UInt8(ascii: "}"))),
        (#"{"a":1 "b":2}"#, .unexpectedCharacter(UInt8(ascii: "\""))),
        ("[1}", .unexpectedCharacter(UInt8(ascii: "}"))),
        ("01", .trailingCharacters),
        ("1 2", .trailingCharacters),
        ("[1]x", .trailingCharacters),
        (#"{"a":1}}"#, .trailingCharacters),
        ("null null", .trailingCharacters),
        ("-", .unexpectedEnd),
        ("-a", .invalidNumber),
        ("1.", .invalidNumber),
        ("1.e5", .invalidNumber),
        ("1e", .invalidNumber),
        ("1e+", .invalidNumber),
        (".5", .unexpectedCharacter(UInt8(ascii: "."))),
        ("+1", .unexpectedCharacter(UInt8(ascii: "+"))),
        ("1e400", .numberOutOfRange),
        ("-1e400", .numberOutOfRange),
        ("[1e999]", .numberOutOfRange),
        ("tru", .unexpectedEnd),
        ("trux", .unexpectedCharacter(UInt8(ascii: "x"))),
        ("nul", .unexpectedEnd),
        ("True", .unexpectedCharacter(UInt8(ascii: "T"))),
        ("NaN", .unexpectedCharacter(UInt8(ascii: "N"))),
        ("Infinity", .unexpectedCharacter(UInt8(ascii: "I"))),
        ("'a'", .unexpectedCharacter(UInt8(ascii: "'"))),
        ("//c\n1", .unexpectedCharacter(UInt8(ascii: "/"))),
        ("\u{FEFF}1", .unexpectedCharacter(0xEF)),
        (#""abc"#, .unexpectedEnd),
        (#""abc\"#, .unexpectedEnd),
        ("\"a\u{1}b\"", .controlCharacterInString),
        ("\"tab\there\"", .controlCharacterInString),
        ("\"line\nbreak\"", .controlCharacterInString),
        ("\"\\n then\u{1F}\"", .controlCharacterInString),
        (#""\x""#, .invalidEscape),
        (#""\U0041""#, .invalidEscape),
        (#""\uGGGG""#, .invalidEscape),
        (#""\u12zz""#, .invalidEscape),
        (#""\uD83D\uZZZZ""#, .invalidEscape),
        (#""\u12"#, .unexpectedEnd),
    ]

    @Test("refuses each invalid document with the expected reason", arguments: invalid)
    func refusesInvalid(text: String, reason: JSONParseError.Reason) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.reason == reason)
    }

    @Test(
        "names the byte offset of the problem",
        arguments: [("[1,]", 3), ("  ", 0), ("01", 1), ("[1 2]", 3), (#"{"a":1e400}"#, 5), ("\"ab\u{1}\"", 3)]
            as [(String, Int)])
    func offsets(text: String, offset: Int) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.offset == offset)
    }

    @Test("describes errors with the reason and the offset")
    func errorDescription() {
        let comma = #expect(throws: JSONParseError.self) { try JSONParser.parse("[1,]") }
        #expect(comma?.description == "unexpected character ']' at byte 3")
        let byte = #expect(throws: JSONParseError.self) { try JSONParser.parse([UInt8(0xFF)]) }
        #expect(byte?.description == "unexpected byte 0xff at byte 0")
        let deep = #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 200)) }
        #expect(deep?.description == "nesting deeper than 128 levels at byte 128")
    }

    // MARK: - UTF-8

    static let invalidUTF8Strings: [[UInt8]] = [
        [0xC3, 0x28],  // a two-byte lead followed by ASCII
        [0xFF],
        [0xFE],
        [0x80],  // a lone continuation byte
        [0xC3],  // truncated two-byte sequence
        [0xE2, 0x82],  // truncated three-byte sequence
        [0xF0, 0x9F, 0x98],  // truncated four-byte sequence
        [0xC0, 0xAF],  // overlong '/'
        [0xE0, 0x80, 0xAF],  // overlong three-byte
        [0xED, 0xA0, 0x80],  // UTF-8-encoded surrogate U+D800
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0x61, 0xE2, 0x82, 0x61],  // truncated in the middle
    ]

    @Test("refuses invalid UTF-8 inside a string", arguments: invalidUTF8Strings)
    func invalidUTF8InString(bad: [UInt8]) {
        let document = [UInt8(ascii: "\"")] + bad + [UInt8(ascii: "\"")]
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(document) }
        #expect(error?.reason == .invalidUTF8)
    }

    @Test("refuses invalid UTF-8 in a string that also has escapes (the slow path)", arguments: invalidUTF8Strings)
    func invalidUTF8AfterEscape(bad: [UInt8]) {
        let document = Array(#"["\n"#.utf8) + bad + Array(#"\t"]"#.utf8)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(document) }
        #expect(error?.reason == .invalidUTF8)
    }

    @Test("refuses invalid UTF-8 in an object key")
    func invalidUTF8InKey() {
        let document = Array(#"{""#.utf8) + [0xC3, 0x28] + Array(#"":1}"#.utf8)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(document) }
        #expect(error?.reason == .invalidUTF8)
    }

    @Test("refuses bytes outside strings that are not JSON")
    func invalidBytesOutsideStrings() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse([0x5B, 0xFF, 0x5D]) }
        #expect(error?.reason == .unexpectedCharacter(0xFF))
    }

    @Test("accepts multi-byte UTF-8 of every length, raw")
    func validUTF8() throws {
        let text = "\"\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}\""
        #expect(try JSONParser.parse(text) == .string("\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}"))
    }

    // MARK: - Depth and size

    static func nested(_ depth: Int, open: String, close: String) -> String {
        String(repeating: open, count: depth) + String(repeating: close, count: depth)
    }

    @Test("accepts nesting of exactly 128 arrays or objects")
    func depthLimitAccepted() throws {
        let arrays = try JSONParser.parse(Self.nested(JSONParser.maxDepth, open: "[", close: "]"))
        var depth = 0
        var current = arrays
        while case .array(let inner) = current {
            depth += 1
            guard let first = inner.first else { break }
            current = first
        }
        #expect(depth == 128)
        let objects = Self.nested(128, open: #"{"a":"#, close: "}").replacingOccurrences(
            of: #"{"a":}"#, with: "{}")
        #expect(throws: Never.self) { try JSONParser.parse(objects) }
        let mixed = Self.nested(64, open: #"[{"k":"#, close: "}]").replacingOccurrences(of: #"{"k":}"#, with: "{}")
        #expect(throws: Never.self) { try JSONParser.parse(mixed) }
    }

    @Test("refuses nesting of 129 levels", arguments: ["[", #"{"a":"#])
    func depthLimitRefused(open: String) {
        let close = open == "[" ? "]" : "}"
        let text = Self.nested(129, open: open, close: close).replacingOccurrences(of: #"{"a":}"#, with: "{}")
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.reason == .tooDeep)
    }

    @Test("refuses a hostile 100,000-deep document quickly, without exhausting the stack")
    func veryDeep() {
        let text = String(repeating: "[", count: 100_000)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.reason == .tooDeep)
    }

    @Test("parses a 1 MB string, plain and with escapes")
    func largeString() throws {
        let plain = String(repeating: "abcdefghij", count: 100_000)
        #expect(try JSONParser.parse("\"\(plain)\"") == .string(plain))
        let escaped = String(repeating: #"ab\"\n\u00e9"#, count: 100_000)
        let expected = String(repeating: "ab\"\né", count: 100_000)
        let parsed = try JSONParser.parse("\"\(escaped)\"")
        #expect(parsed.stringValue?.utf8.count == expected.utf8.count)
        #expect(parsed == .string(expected))
    }

    @Test("parses a large array of mixed values")
    func largeArray() throws {
        let items = (0..<50_000).map { #"{"i":\#($0),"s":"x\#($0)","d":\#($0).5}"# }
        let parsed = try JSONParser.parse("[" + items.joined(separator: ",") + "]")
        let array = try #require(parsed.arrayValue)
        #expect(array.count == 50_000)
        #expect(array[49_999] == ["i": 49_999, "s": "x49999", "d": 49_999.5])
    }
}
