/// The kind of sensitive data a span holds: `email`, `phone`, `payment_card`, `iban`, `ssn`,
/// `ip_address`, `secret`, or a class named by a custom detector in the config.
///
/// The name is what `policy.data` keys on, what traces and refusals report (never the value), and,
/// upper-cased, the stem of a pseudonym placeholder (`payment_card` → `<PAYMENT_CARD_1>`).
package struct DataClass: RawRepresentable, Codable, Sendable, Hashable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    package let rawValue: String

    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    package init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    package init(stringLiteral value: String) {
        self.rawValue = value
    }

    package init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    package var description: String { rawValue }

    package static func < (lhs: DataClass, rhs: DataClass) -> Bool { lhs.rawValue < rhs.rawValue }

    package static let email: DataClass = "email"
    package static let phone: DataClass = "phone"
    package static let paymentCard: DataClass = "payment_card"
    package static let iban: DataClass = "iban"
    package static let ssn: DataClass = "ssn"
    package static let ipAddress: DataClass = "ip_address"
    package static let secret: DataClass = "secret"

    /// The classes the built-in detectors report, in the order they break ties between equal spans.
    package static let builtIn: [DataClass] = [.secret, .paymentCard, .iban, .ssn, .email, .phone, .ipAddress]

    /// Whether `name` can name a class: 1–64 bytes of lower-case ASCII letters, digits and `_`,
    /// starting with a letter (so its placeholder stem is well formed).
    package static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z")
        else { return false }
        return bytes.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0.isASCIIDigit || $0 == UInt8(ascii: "_")
        }
    }

    /// The placeholder stem: the name upper-cased (`payment_card` → `PAYMENT_CARD`).
    package var placeholderStem: String { rawValue.uppercased() }
}
