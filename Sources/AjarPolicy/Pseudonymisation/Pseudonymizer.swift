/// Rewrites texts for the policy's `pseudonymise` and `redact` actions.
package enum Pseudonymizer {
    /// The marker a redacted span becomes: `[REDACTED_EMAIL]`. Never restored.
    package static func redactionMarker(for dataClass: DataClass) -> String {
        "[REDACTED_\(dataClass.placeholderStem)]"
    }

    /// Rewrites `text`, replacing the spans whose class `actions` maps to `pseudonymise` (when
    /// `pseudonymise` is true) with placeholders from `table`, and those mapped to `redact` with a
    /// redaction marker. Other spans and text are kept byte for byte.
    /// - Parameters:
    ///   - text: the original text.
    ///   - spans: its spans, non-overlapping and sorted by start (as ``SensitiveDataScanner/scan(_:)``
    ///     returns them); ranges outside the text are ignored.
    ///   - actions: the action per class; unlisted classes are kept.
    ///   - pseudonymise: false for in-house models, which receive pseudonymised values as they are.
    ///   - table: where placeholders are created and looked up.
    /// - Returns: the rewritten text and how many spans were replaced.
    package static func rewrite(
        _ text: String,
        spans: [DetectedSpan],
        actions: [DataClass: DataAction],
        pseudonymise: Bool,
        table: inout PseudonymTable
    ) -> (text: String, replaced: Int) {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var cursor = 0
        var replaced = 0
        for span in spans {
            let range = span.range
            guard range.lowerBound >= cursor, range.upperBound <= bytes.count else { continue }
            let replacement: String
            switch actions[span.dataClass] ?? .allow {
            case .redact:
                replacement = redactionMarker(for: span.dataClass)
            case .pseudonymise where pseudonymise:
                let value = String(decoding: bytes[range], as: UTF8.self)
                replacement = table.placeholder(for: value, of: span.dataClass)
            default:
                continue
            }
            if output.isEmpty { output.reserveCapacity(bytes.count + 32) }
            output.append(contentsOf: bytes[cursor..<range.lowerBound])
            output.append(contentsOf: replacement.utf8)
            cursor = range.upperBound
            replaced += 1
        }
        guard replaced > 0 else { return (text, 0) }
        output.append(contentsOf: bytes[cursor...])
        return (String(decoding: output, as: UTF8.self), replaced)
    }
}
