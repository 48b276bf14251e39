/// A custom detector from the config: a regular expression (Swift `Regex` syntax, which accepts the
/// common PCRE/ICU forms) whose matches are reported under the configured class.
///
/// Slower than the built-in scanners (a backtracking engine over `String`), so built-in classes do
/// not use it. Empty matches are ignored.
package struct PatternDetector: Detector, @unchecked Sendable {
    // `Regex<AnyRegexOutput>` is immutable after compilation; Sendable is not declared on every
    // toolchain, so this wrapper asserts it (nothing here mutates the regex).
    private let regex: Regex<AnyRegexOutput>
    package let dataClass: DataClass
    /// The pattern as configured (for error messages).
    package let pattern: String

    /// Compiles `pattern`.
    /// - Throws: the regex parser's error when the pattern is invalid.
    package init(dataClass: DataClass, pattern: String) throws {
        self.regex = try Regex(pattern)
        self.dataClass = dataClass
        self.pattern = pattern
    }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let utf8 = text.utf8
        for match in text.matches(of: regex) {
            let range = match.range
            guard !range.isEmpty else { continue }
            let lower = utf8.distance(from: utf8.startIndex, to: range.lowerBound)
            let upper = utf8.distance(from: utf8.startIndex, to: range.upperBound)
            spans.append(DetectedSpan(dataClass, lower..<upper))
        }
    }
}
