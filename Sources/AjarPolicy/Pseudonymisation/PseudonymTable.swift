/// The placeholders of one request and the values they stand for: `<EMAIL_1>` ↔ `ada@example.com`.
///
/// The same value of the same class always gets the same placeholder within a request, numbered
/// per class from 1 in order of first appearance. The table holds the values, so it prints as
/// `<redacted>` and must never be logged or put in a trace.
package struct PseudonymTable: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// Placeholder → original value.
    package private(set) var values: [String: String] = [:]
    /// "class\u{0}value" → placeholder.
    private var placeholders: [String: String] = [:]
    private var counters: [DataClass: Int] = [:]
    /// Every prefix of every placeholder (`<`, `<E`, … `<EMAIL_1`), for the stream restorer's
    /// "could this still become a placeholder?" test.
    private(set) var prefixes: Set<String> = []
    /// The longest placeholder's length in bytes.
    package private(set) var maxPlaceholderLength = 0

    package init() {}

    package var isEmpty: Bool { values.isEmpty }
    package var count: Int { values.count }

    /// The placeholder for `value`, created on first use.
    /// - Parameters:
    ///   - value: the sensitive text as it appears in the request.
    ///   - dataClass: its class, which names the placeholder.
    package mutating func placeholder(for value: String, of dataClass: DataClass) -> String {
        let key = dataClass.rawValue + "\u{0}" + value
        if let existing = placeholders[key] { return existing }
        let number = (counters[dataClass] ?? 0) + 1
        counters[dataClass] = number
        let placeholder = "<\(dataClass.placeholderStem)_\(number)>"
        placeholders[key] = placeholder
        values[placeholder] = value
        var prefix = ""
        for character in placeholder.dropLast() {
            prefix.append(character)
            prefixes.insert(prefix)
        }
        maxPlaceholderLength = max(maxPlaceholderLength, placeholder.utf8.count)
        return placeholder
    }

    /// `text` with every placeholder of this table replaced by its value; other text unchanged.
    package func restore(_ text: String) -> String {
        guard !isEmpty, text.utf8.contains(UInt8(ascii: "<")) else { return text }
        var restorer = PlaceholderRestorer()
        return restorer.feed(text, table: self) + restorer.finish()
    }

    package var description: String { "<redacted \(count) pseudonyms>" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    package static func == (lhs: PseudonymTable, rhs: PseudonymTable) -> Bool {
        lhs.values == rhs.values
    }
}
