import AjarCore
import Crypto

/// Making, hashing and comparing key secrets.
///
/// A secret is `ajar-sk-` followed by 40 base62 characters (≈238 bits from the system's secure
/// random generator). The store keeps its SHA-256 (hex) and ``displayPrefixLength`` characters
/// for display and lookup; the prefix narrows the lookup to a row or two, whose hashes are then
/// compared in constant time.
package enum KeySecret {
    package static let scheme = "ajar-sk-"
    package static let randomLength = 40
    /// `ajar-sk-` plus six random characters: shown in listings, used as the lookup index.
    package static let displayPrefixLength = 14
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A fresh secret.
    package static func generate() -> Secret {
        Secret(scheme + randomBase62(count: randomLength))
    }

    /// A fresh key id, `key_` + 16 base62 characters.
    package static func generateKeyID() -> String {
        "key_" + randomBase62(count: 16)
    }

    /// Uniform base62 characters: bytes ≥ 248 (= 4 × 62) are drawn again, so no character is favoured.
    package static func randomBase62(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { out.append(alphabet[Int(byte % 62)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `secret` has the shape of a key secret (cheap check before any database work).
    package static func isWellFormed(_ secret: Secret) -> Bool {
        let utf8 = Array(secret.value.utf8)
        guard utf8.count == scheme.utf8.count + randomLength, secret.value.hasPrefix(scheme) else { return false }
        return utf8.dropFirst(scheme.utf8.count).allSatisfy { alphabet.contains($0) }
    }

    /// The display/lookup prefix of a secret.
    package static func displayPrefix(of secret: Secret) -> String {
        String(decoding: secret.value.utf8.prefix(displayPrefixLength), as: UTF8.self)
    }

    /// SHA-256 of the secret's UTF-8 bytes, lowercase hex.
    package static func hash(_ secret: Secret) -> String {
        AuditChain.hex(Array(SHA256.hash(data: Array(secret.value.utf8))))
    }

    /// Compares two hex digests in time that depends only on their lengths.
    package static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
