/// A detector defined in the config (`policy.detectors[i]`): a class name and either a regular
/// expression or a word list.
///
/// ```yaml
/// policy:
///   detectors:
///     - class: employee_id
///       pattern: 'EMP-[0-9]{6}'
///     - class: project_codename
///       words: [nightjar, bluebird]
///       case_sensitive: false
/// ```
package struct CustomDetectorConfig: Codable, Sendable, Equatable {
    /// The class the matches are reported as; `policy.data` keys on it like a built-in class.
    package var dataClass: DataClass
    /// A regular expression (Swift `Regex` syntax).
    package var pattern: String?
    /// Words or phrases matched as whole words.
    package var words: [String]?
    /// For `words`: whether case must match (default false).
    package var caseSensitive: Bool

    package init(dataClass: DataClass, pattern: String? = nil, words: [String]? = nil, caseSensitive: Bool = false) {
        self.dataClass = dataClass
        self.pattern = pattern
        self.words = words
        self.caseSensitive = caseSensitive
    }

    private enum CodingKeys: String, CodingKey {
        case dataClass = "class"
        case pattern, words
        case caseSensitive = "case_sensitive"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataClass = try container.decode(DataClass.self, forKey: .dataClass)
        pattern = try container.decodeIfPresent(String.self, forKey: .pattern)
        words = try container.decodeIfPresent([String].self, forKey: .words)
        caseSensitive = try container.decodeIfPresent(Bool.self, forKey: .caseSensitive) ?? false
    }
}
