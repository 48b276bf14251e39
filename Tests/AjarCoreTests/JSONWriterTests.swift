import AjarCore
import Testing

/// The compact writer: exact output for values, escapes and numbers.
@Suite struct JSONWriterTests {
    static let documents: [(JSON, String)] = [
        (.null, "null"),
        (.bool(true), "true"),
        (.bool(false), "false"),
        (.int(0), "0"),
        (.int(-17), "-17"),
        (.int(.max), "9223372036854775807"),
        (.int(.min), "-9223372036854775808"),
        (.double(0.1), "0.1"),
        (.double(-2.5), "-2.5"),
        (.double(1e300), "1e+300"),
        (.double(1e-7), "1e-07"),
        (.double(5e-324), "5e-324"),
        (.double(.infinity), "null"),
        (.double(.nan), "null"),
        (.string(""), #""""#),
        (.array([]), "[]"),
        (.object([:]), "{}"),
        ([1, "a", nil, [true]], #"[1,"a",null,[true]]"#),
        (["b": 1, "a": ["c": [1.5]]], #"{"b":1,"a":{"c":[1.5]}}"#),
    ]

    @Test("writes each value compactly, without spaces", arguments: documents)
    func writes(value: JSON, expected: String) {
        #expect(value.text == expected)
        #expect(value.bytes == Array(expected.utf8))
    }

    static let escapes: [(String, String)] = [
        ("\"", #""\"""#),
        ("\\", #""\\""#),
        ("\n", #""\n""#),
        ("\r", #""\r""#),
        ("\t", #""\t""#),
        ("\u{0}", #""\u0000""#),
        ("\u{8}", #""\u0008""#),
        ("\u{C}", #""\u000c""#),
        ("\u{1F}", #""\u001f""#),
        ("/", #""/""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("é😀\u{2028}", "\"é😀\u{2028}\""),
        ("a\"b\\c\nd", #""a\"b\\c\nd""#),
    ]

    @Test("escapes quotes, backslashes and control characters, and nothing else", arguments: escapes)
    func escapesStrings(value: String, expected: String) {
        #expect(JSON.string(value).text == expected)
    }

    @Test("escapes object keys like strings")
    func escapesKeys() {
        let object: JSON = ["a\"\n": 1]
        #expect(object.text == #"{"a\"\n":1}"#)
    }

    @Test("writes whole doubles below 1e15 as integers, so they read back as .int")
    func wholeDoubles() throws {
        #expect(JSON.double(3).text == "3")
        #expect(JSON.double(-1e14).text == "-100000000000000")
        #expect(try JSONParser.parse(JSON.double(3).bytes) == .int(3))
        #expect(try JSONParser.parse(JSON.double(1e15).bytes) == .double(1e15))
    }

    @Test("JSON(Double) turns non-finite values into null")
    func nonFiniteInit() {
        #expect(JSON(Double.infinity) == .null)
        #expect(JSON(-Double.infinity) == .null)
        #expect(JSON(Double.nan) == .null)
        #expect(JSON(2.5) == .double(2.5))
        #expect(JSON(7) == .int(7))
        #expect(JSON(nil as String?) == .null)
        #expect(JSON("x" as String?) == .string("x"))
    }

    @Test("write(into:) appends to what is already there")
    func appends() {
        var out = Array("prefix:".utf8)
        JSON.array([1, 2]).write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "prefix:[1,2]")
    }
}
