/// Finds credentials by their published formats:
/// - AWS access key ids: `AKIA`, `ASIA` and the other IAM prefixes, then 16 upper-case letters or digits;
/// - OpenAI and Anthropic keys: `sk-` then 20 or more token characters with a letter and a digit
///   (`sk-proj-…`, `sk-svcacct-…`, `sk-ant-api03-…`); Stripe secret keys `sk_live_`/`sk_test_`;
/// - Google (Gemini) API keys: `AIza` then 35 token characters;
/// - GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` then 36+ alphanumerics, `github_pat_` then 22+;
/// - Slack tokens: `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-` then 10+ token characters;
/// - JSON Web Tokens: three base64url segments, the first starting `eyJ` (`{"`), the first two of
///   10+ characters, the signature of 10+;
/// - PEM private keys: `-----BEGIN … PRIVATE KEY-----` to the matching END line (to the end of the
///   text if it is missing). Certificates and public keys are not secrets.
///
/// AWS secret access keys (40 base64 characters) have no prefix; without context they cannot be
/// told from hashes, so they are left to custom patterns.
package struct SecretDetector: Detector {
    package init() {}

    package var dataClass: DataClass { .secret }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        // Token by token: every format starts a token, so the bytes inside one are skipped at the
        // cost of one comparison each.
        while i < n {
            let byte = bytes[i]
            guard byte.isTokenByte else {
                i += 1
                continue
            }
            let end: Int?
            switch byte {
            case UInt8(ascii: "A"): end = Self.awsOrGoogleKey(bytes, i)
            case UInt8(ascii: "s"): end = Self.skKey(bytes, i)
            case UInt8(ascii: "g"): end = Self.gitHubToken(bytes, i)
            case UInt8(ascii: "x"): end = Self.slackToken(bytes, i)
            case UInt8(ascii: "e"): end = Self.jwt(bytes, i)
            case UInt8(ascii: "-"): end = Self.pemPrivateKey(bytes, i)
            default: end = nil
            }
            if let end {
                spans.append(DetectedSpan(.secret, i..<end))
                i = end
            } else {
                i += 1
                while i < n, bytes[i].isTokenByte { i += 1 }
            }
        }
    }

    @inline(__always) private static func startsToken(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        i == 0 || !(bytes[i - 1].isTokenByte || bytes[i - 1] >= 0x80)
    }

    @inline(__always) private static func endsToken(_ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        end >= bytes.count || !(bytes[end].isTokenByte || bytes[end] >= 0x80)
    }

    /// IAM unique-id prefixes of access keys and other principals.
    private static let awsPrefixes: [StaticString] = [
        "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA",
    ]

    private static func awsOrGoogleKey(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard startsToken(bytes, i), i + 20 <= bytes.count else { return nil }
        if bytes.matches("AIza", at: i) {
            let length = bytes.run(from: i + 4, limit: 36) { $0.isTokenByte }
            return length == 35 && endsToken(bytes, i + 39) ? i + 39 : nil
        }
        guard Self.awsPrefixes.contains(where: { bytes.matches($0, at: i) }) else { return nil }
        let length = bytes.run(from: i + 4, limit: 17) { $0.isASCIIUpper || $0.isASCIIDigit }
        return length == 16 && endsToken(bytes, i + 20) ? i + 20 : nil
    }

    private static func skKey(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard startsToken(bytes, i) else { return nil }
        let bodyStart: Int
        if bytes.matches("sk-", at: i) {
            bodyStart = i + 3
        } else if bytes.matches("sk_live_", at: i) || bytes.matches("sk_test_", at: i) {
            bodyStart = i + 8
        } else {
            return nil
        }
        let length = bytes.run(from: bodyStart, limit: 512) { $0.isTokenByte }
        guard length >= 20, endsToken(bytes, bodyStart + length) else { return nil }
        var hasDigit = false
        var hasLetter = false
        for k in bodyStart..<(bodyStart + length) {
            hasDigit = hasDigit || bytes[k].isASCIIDigit
            hasLetter = hasLetter || bytes[k].isASCIILetter
        }
        return hasDigit && hasLetter ? bodyStart + length : nil
    }

    private static func gitHubToken(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard startsToken(bytes, i), i + 4 < bytes.count else { return nil }
        if bytes.matches("github_pat_", at: i) {
            let length = bytes.run(from: i + 11, limit: 256) { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "_") }
            return length >= 22 && endsToken(bytes, i + 11 + length) ? i + 11 + length : nil
        }
        guard bytes[i + 1] == UInt8(ascii: "h") else { return nil }
        let kind = bytes[i + 2]
        guard bytes[i + 3] == UInt8(ascii: "_"),
            kind == UInt8(ascii: "p") || kind == UInt8(ascii: "o") || kind == UInt8(ascii: "u")
                || kind == UInt8(ascii: "s") || kind == UInt8(ascii: "r")
        else { return nil }
        let length = bytes.run(from: i + 4, limit: 256) { $0.isASCIIAlphanumeric }
        return length >= 36 && endsToken(bytes, i + 4 + length) ? i + 4 + length : nil
    }

    private static func slackToken(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard startsToken(bytes, i), bytes.matches("xox", at: i), i + 5 < bytes.count,
            bytes[i + 4] == UInt8(ascii: "-")
        else { return nil }
        let kind = bytes[i + 3]
        guard
            kind == UInt8(ascii: "b") || kind == UInt8(ascii: "p") || kind == UInt8(ascii: "a")
                || kind == UInt8(ascii: "r") || kind == UInt8(ascii: "s")
        else { return nil }
        let length = bytes.run(from: i + 5, limit: 256) { $0.isTokenByte }
        return length >= 10 && endsToken(bytes, i + 5 + length) ? i + 5 + length : nil
    }

    private static func jwt(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard bytes.matches("eyJ", at: i), startsToken(bytes, i) else { return nil }
        let isBase64URL: (UInt8) -> Bool = {
            $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
        let header = bytes.run(from: i, limit: 4096, while: isBase64URL)
        var k = i + header
        guard header >= 10, k < bytes.count, bytes[k] == UInt8(ascii: ".") else { return nil }
        k += 1
        let payload = bytes.run(from: k, limit: 65536, while: isBase64URL)
        k += payload
        guard payload >= 10, k < bytes.count, bytes[k] == UInt8(ascii: ".") else { return nil }
        k += 1
        let signature = bytes.run(from: k, limit: 4096, while: isBase64URL)
        k += signature
        return signature >= 10 && endsToken(bytes, k) ? k : nil
    }

    private static func pemPrivateKey(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard bytes.matches("-----BEGIN ", at: i) else { return nil }
        // The label runs to the next "-----" on the same line, at most 40 bytes on.
        var k = i + 11
        let labelLimit = min(bytes.count, k + 40)
        while k < labelLimit, bytes[k] != UInt8(ascii: "-"), bytes[k] != UInt8(ascii: "\n") { k += 1 }
        guard bytes.matches("-----", at: k), k - 11 >= i + 11,
            bytes.matches("PRIVATE KEY", at: k - 11)
        else { return nil }
        var j = k + 5
        while j < bytes.count {
            if bytes[j] == UInt8(ascii: "-"), bytes.matches("-----END ", at: j) {
                var e = j + 9
                let endLimit = min(bytes.count, e + 40)
                while e < endLimit, bytes[e] != UInt8(ascii: "-"), bytes[e] != UInt8(ascii: "\n") { e += 1 }
                if bytes.matches("-----", at: e) { return e + 5 }
            }
            j += 1
        }
        // No END line: everything after BEGIN may be key material (fail closed).
        return bytes.count
    }
}
