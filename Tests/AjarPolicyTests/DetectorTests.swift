import AjarPolicy
import Testing

/// Each built-in detector on hand-picked cases: exact values found, and near misses not found.
@Suite struct DetectorTests {
    /// The values `detector` alone finds in `text`.
    static func values(_ detector: any Detector, in text: String) -> [String] {
        let utf8 = Array(text.utf8)
        return SensitiveDataScanner(detectors: [detector]).scan(text).map {
            String(decoding: utf8[$0.range], as: UTF8.self)
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var expected: [String]
        var testDescription: String { text }
        init(_ text: String, _ expected: [String] = []) {
            self.text = text
            self.expected = expected
        }
    }

    @Test(
        "email",
        arguments: [
            Case("write to ada.lovelace@example.com.", ["ada.lovelace@example.com"]),
            Case("<GRACE+news@Mail.Example.co.uk>", ["GRACE+news@Mail.Example.co.uk"]),
            Case("a@b.co and c@d.org", ["a@b.co", "c@d.org"]),
            Case("user@localhost"), Case("@mention"), Case("x@1.2.3"), Case("foo@bar.c"), Case(".@example.com"),
            Case("me@-bad.example.com"), Case("npm i @types/node@20.1.0"),
        ])
    func email(_ c: Case) {
        #expect(Self.values(EmailDetector(), in: c.text) == c.expected)
    }

    @Test(
        "phone",
        arguments: [
            Case("+44 20 7946 0958", ["+44 20 7946 0958"]), Case("call +14155550123 now", ["+14155550123"]),
            Case("(415) 555-0123.", ["(415) 555-0123"]), Case("415.555.0123", ["415.555.0123"]),
            Case("1-800-555-0199", ["1-800-555-0199"]), Case("020 7946 0958", ["020 7946 0958"]),
            Case("01.23.45.67.89", ["01.23.45.67.89"]), Case("+1 (415) 555-0142 (cell)", ["+1 (415) 555-0142"]),
            Case("2024-01-15"), Case("12:30:45"), Case("978-3-16-148410-0"), Case("123-45-6789"),
            Case("4111 1111 1111 1111"), Case("192.168.1.1"), Case("5551234567"), Case("+12"), Case("v1.415-555-0123"),
            Case("115-555-0123"), Case("01.02.2024"), Case("IBAN DE89 3704 0044 0532 0130 00"),
            Case("call +1 415 555 0123 24/7", ["+1 415 555 0123"]),
            Case("mobile 415-555-0135 2 times", ["415-555-0135"]),
        ])
    func phone(_ c: Case) {
        #expect(Self.values(PhoneDetector(), in: c.text) == c.expected)
    }

    @Test(
        "payment card",
        arguments: [
            Case("4111111111111111", ["4111111111111111"]),
            Case("card 4111 1111 1111 1111 12/26", ["4111 1111 1111 1111"]),
            Case("3782-822463-10005", ["3782-822463-10005"]), Case("5555555555554444.", ["5555555555554444"]),
            Case("4111111111111112"), Case("1700000000123"), Case("41111111111111111111111"),
            Case("4111 1111-1111 1111"), Case("x4111111111111111"), Case("4111111111111111x"),
            Case("v1.4111111111111111"),
        ])
    func paymentCard(_ c: Case) {
        #expect(Self.values(PaymentCardDetector(), in: c.text) == c.expected)
    }

    @Test(
        "Luhn check",
        arguments: [("4111111111111111", true), ("4111111111111112", false), ("79927398713", true), ("0", true)])
    func luhn(_ number: String, _ valid: Bool) {
        #expect(PaymentCardDetector.passesLuhn(number.utf8.map { $0 - 48 }) == valid)
    }

    @Test(
        "IBAN",
        arguments: [
            Case("DE89 3704 0044 0532 0130 00", ["DE89 3704 0044 0532 0130 00"]),
            Case("iban:GB82WEST12345698765432.", ["GB82WEST12345698765432"]),
            Case("gb82west12345698765432", ["gb82west12345698765432"]),
            Case("NO9386011117947", ["NO9386011117947"]),
            Case("DE00 3704 0044 0532 0130 00"), Case("DE89370400440532013000X"), Case("XX89370400440532013000"),
            Case("DE89 3704 0044 0532 0130"), Case("DE8937 0400 4405 3201 3000"),
        ])
    func iban(_ c: Case) {
        #expect(Self.values(IBANDetector(), in: c.text) == c.expected)
    }

    @Test(
        "SSN",
        arguments: [
            Case("SSN 123-45-6789.", ["123-45-6789"]), Case("123 45 6789 is mine", ["123 45 6789"]),
            Case("000-12-3456"), Case("666-12-3456"), Case("900-12-3456"), Case("123-00-4567"), Case("123-45-0000"),
            Case("123-45-6789-01"), Case("555-12-3456-B"), Case("123-45-6789.5"), Case("123-45 6789"),
            Case("A123-45-6789"), Case("123456789"),
        ])
    func ssn(_ c: Case) {
        #expect(Self.values(SSNDetector(), in: c.text) == c.expected)
    }

    @Test(
        "IP address",
        arguments: [
            Case("host 10.0.0.1:8080", ["10.0.0.1"]), Case("8.8.8.8.", ["8.8.8.8"]),
            Case("2001:db8::8a2e:370:7334", ["2001:db8::8a2e:370:7334"]),
            Case("[::ffff:192.0.2.128]", ["::ffff:192.0.2.128"]),
            Case("2001:0db8:85a3:0000:0000:8a2e:0370:7334", ["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]),
            Case("256.1.1.1"), Case("1.2.3"), Case("01.2.3.4"), Case("1.2.3.4.5"), Case("version 1.2.3.4"),
            Case("std::vector"), Case("a[1::2]"), Case("12:30:45"), Case("00:1A:2B:3C:4D:5E"), Case("dead::beef"),
            Case("1:2:3:4:5:6:7:8:9"),
        ])
    func ipAddress(_ c: Case) {
        #expect(Self.values(IPAddressDetector(), in: c.text) == c.expected)
    }

    @Test(
        "secrets",
        arguments: [
            Case("AKIAIOSFODNN7EXAMPLE", ["AKIAIOSFODNN7EXAMPLE"]),
            Case("key=sk-proj-abc123DEF456ghi789JKL0", ["sk-proj-abc123DEF456ghi789JKL0"]),
            Case("sk-ant-api03-abcdefghij0123456789XYZ", ["sk-ant-api03-abcdefghij0123456789XYZ"]),
            Case("AIzaSyA1234567890abcdefghijklmnopqrstuv", ["AIzaSyA1234567890abcdefghijklmnopqrstuv"]),
            Case("ghp_0123456789abcdefghijABCDEFGHIJ012345", ["ghp_0123456789abcdefghijABCDEFGHIJ012345"]),
            Case(
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", ["github_pat_11ABCDEFG0123456789_abcdefghijklmnop"]),
            Case(
                "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"]),
            Case(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nbye",
                ["-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"]),
            Case("-----BEGIN PRIVATE KEY-----\nMIIE cut", ["-----BEGIN PRIVATE KEY-----\nMIIE cut"]),
            Case("sk-learn"), Case("task-manager-0123456789abcdefghij"), Case("sk-this-is-not-a-real-key-at-all"),
            Case("AKIAIOSFODNN7EXAMPL"), Case("xAKIAIOSFODNN7EXAMPLE"), Case("ghp_short"),
            Case("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"), Case("eyJhbGciOi.cut"),
        ])
    func secrets(_ c: Case) {
        #expect(Self.values(SecretDetector(), in: c.text) == c.expected)
    }

    @Test("custom word lists match whole words, ignoring ASCII case unless told not to")
    func wordList() {
        let words = WordListDetector(dataClass: "codename", words: ["Nightjar", "blue bird", ""])
        #expect(
            Self.values(words, in: "Project NIGHTJAR and blue bird; nightjars; bluebird") == ["NIGHTJAR", "blue bird"])
        let exact = WordListDetector(dataClass: "codename", words: ["Nightjar"], caseSensitive: true)
        #expect(Self.values(exact, in: "nightjar Nightjar") == ["Nightjar"])
    }

    @Test("custom patterns report their class with UTF-8 offsets, also after non-ASCII text")
    func pattern() throws {
        let detector = try PatternDetector(dataClass: "employee_id", pattern: "EMP-[0-9]{6}")
        let text = "Zoë Ångström: EMP-123456, EMP-12"
        let spans = SensitiveDataScanner(detectors: [detector]).scan(text)
        #expect(spans.map(\.dataClass) == ["employee_id"])
        #expect(Self.values(detector, in: text) == ["EMP-123456"])
        #expect(throws: (any Error).self) { try PatternDetector(dataClass: "x", pattern: "([") }
    }

    @Test("detectors survive arbitrary bytes and truncated prefixes without crashing")
    func robustness() {
        var generator = SplitMix64(seed: 11)
        let alphabet = Array(
            "aAeEgsx0123456789 .-:_@+()[]<>/=\nAKIAghp_sk-eyJ-----BEGIN PRIVATE KEY-----é日".unicodeScalars)
        for _ in 0..<300 {
            let length = Int(generator.next() % 80)
            var text = ""
            for _ in 0..<length { text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let spans = SensitiveDataScanner.builtIn.scan(text)
            let count = text.utf8.count
            #expect(spans.allSatisfy { $0.range.lowerBound >= 0 && $0.range.upperBound <= count && !$0.range.isEmpty })
            #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.range.upperBound <= $1.range.lowerBound })
        }
    }
}
