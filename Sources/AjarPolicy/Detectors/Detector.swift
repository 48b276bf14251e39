/// Finds one class of sensitive data in a text. One detector per file, all sharing this protocol
/// (swift-format's Rules/ layout).
///
/// Built-in detectors are hand-written scanners over the text's UTF-8 bytes: no regex engine and
/// no allocation unless a candidate is found. A detector reports every span it accepts; the
/// ``SensitiveDataScanner`` resolves overlaps between detectors.
package protocol Detector: Sendable {
    /// The class this detector reports.
    var dataClass: DataClass { get }

    /// Appends the spans found in `text`.
    /// - Parameters:
    ///   - bytes: `text`'s UTF-8 bytes; span ranges are offsets into it.
    ///   - text: the same text as a `String`, for detectors built on Swift `Regex`.
    ///   - spans: where found spans are appended, with ``DetectedSpan/range`` inside `bytes`.
    func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan])
}
