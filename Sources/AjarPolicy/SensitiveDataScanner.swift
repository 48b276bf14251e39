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
    ///
    /// Spans are first split into clusters of transitively overlapping spans (a sweep by start);
    /// clusters cannot affect each other, so the longest-first choice runs per cluster, and the
    /// common case, no overlap at all, costs one sort.
    static func resolveOverlaps(_ spans: [DetectedSpan], priority: [DataClass: Int]) -> [DetectedSpan] {
        let valid = spans.filter { !$0.range.isEmpty }.sorted { a, b in
            if a.range.lowerBound != b.range.lowerBound { return a.range.lowerBound < b.range.lowerBound }
            return a.range.upperBound > b.range.upperBound
        }
        guard valid.count > 1 else { return valid }
        var kept: [DetectedSpan] = []
        kept.reserveCapacity(valid.count)
        var clusterStart = 0
        var clusterEnd = valid[0].range.upperBound
        for index in 1...valid.count {
            if index < valid.count, valid[index].range.lowerBound < clusterEnd {
                clusterEnd = max(clusterEnd, valid[index].range.upperBound)
                continue
            }
            let cluster = valid[clusterStart..<index]
            if cluster.count == 1 {
                kept.append(contentsOf: cluster)
            } else {
                kept.append(contentsOf: choose(from: cluster, priority: priority))
            }
            if index < valid.count {
                clusterStart = index
                clusterEnd = valid[index].range.upperBound
            }
        }
        return kept
    }

    /// Longest first, then earliest, then by detector priority; drops what overlaps a kept span.
    private static func choose(from cluster: ArraySlice<DetectedSpan>, priority: [DataClass: Int]) -> [DetectedSpan] {
        let ordered = cluster.sorted { a, b in
            if a.range.count != b.range.count { return a.range.count > b.range.count }
            if a.range.lowerBound != b.range.lowerBound { return a.range.lowerBound < b.range.lowerBound }
            let pa = priority[a.dataClass] ?? .max
            let pb = priority[b.dataClass] ?? .max
            if pa != pb { return pa < pb }
            return a.dataClass < b.dataClass
        }
        // Kept spans sorted by start and disjoint: only the neighbours of the insertion point can
        // overlap a new span.
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
