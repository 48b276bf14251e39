/// A piece of text a detector flagged: its class and where it is.
package struct DetectedSpan: Sendable, Hashable {
    package var dataClass: DataClass
    /// Offsets into the text's UTF-8 bytes, always on scalar boundaries.
    package var range: Range<Int>

    package init(_ dataClass: DataClass, _ range: Range<Int>) {
        self.dataClass = dataClass
        self.range = range
    }
}
