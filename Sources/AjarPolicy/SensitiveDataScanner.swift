/// Runs a set of detectors over a text and resolves their overlapping spans.
///
/// Overlaps are resolved deterministically: longer spans first (a JWT beats the phone-like digits
/// inside it, an IBAN beats a card-like run inside it); among equal lengths, the earlier start;
/// then the detector listed first. A span that overlaps one already kept is dropped. The result is
/// sorted by start.
package struct SensitiveDataScanner: Sendable {
    package let detectors: [any Detector]

    /// - Parameter detectors: in priority order for ties (see ``builtInDetectors``).
    package init(detectors: [any Detector]) {
        self.detectors = detectors
    }

    /// The built-in detectors, one per built-in class, in ``DataClass/builtIn`` order.
    package static let builtInDetectors: [any Detector] = [
        SecretDetector(), PaymentCardDetector(), IBANDetector(), SSNDetector(), EmailDetector(), PhoneDetector(),
        IPAddressDetector(),
    ]

    /// A scanner with the built-in detectors only.
    package static let builtIn = SensitiveDataScanner(detectors: builtInDetectors)

    /// The classes this scanner can report.
    package var dataClasses: [DataClass] {
        var seen = Set<DataClass>()
        return detectors.map(\.dataClass).filter { seen.insert($0).inserted }
    }

    /// The sensitive spans in `text`, non-overlapping and sorted by start.
    /// - Parameter text: any text; its UTF-8 bytes are scanned.
    /// - Returns: spans whose ranges are UTF-8 offsets into `text`.
    package func scan(_ text: String) -> [DetectedSpan] {
        var found: [DetectedSpan] = []
        var priority: [DataClass: Int] = [:]
        var copy = text
        copy.withUTF8 { bytes in
            for (index, detector) in detectors.enumerated() {
                let before = found.count
                detector.detect(in: bytes, text: text, into: &found)
                if found.count > before, priority[detector.dataClass] == nil { priority[detector.dataClass] = index }
            }
        }
        return Self.resolveOverlaps(found, priority: priority)
    }

    /// Keeps a deterministic, non-overlapping subset of `spans` (see the type's description).
    static func resolveOverlaps(_ spans: [DetectedSpan], priority: [DataClass: Int]) -> [DetectedSpan] {
        let valid = spans.filter { !$0.range.isEmpty }
        guard valid.count > 1 else { return valid }
        let ordered = valid.sorted { a, b in
            if a.range.count != b.range.count { return a.range.count > b.range.count }
            if a.range.lowerBound != b.range.lowerBound { return a.range.lowerBound < b.range.lowerBound }
            let pa = priority[a.dataClass] ?? .max
            let pb = priority[b.dataClass] ?? .max
            if pa != pb { return pa < pb }
            return a.dataClass < b.dataClass
        }
        // Kept spans sorted by start and disjoint, so only the neighbours of the insertion point can
        // overlap a new span: O(n log n) even for adversarial inputs with many spans.
        var kept: [DetectedSpan] = []
        for span in ordered {
            var low = 0
            var high = kept.count
            while low < high {
                let mid = (low + high) / 2
                if kept[mid].range.lowerBound < span.range.lowerBound { low = mid + 1 } else { high = mid }
            }
            if low > 0, kept[low - 1].range.overlaps(span.range) { continue }
            if low < kept.count, kept[low].range.overlaps(span.range) { continue }
            kept.insert(span, at: low)
        }
        return kept
    }
}
