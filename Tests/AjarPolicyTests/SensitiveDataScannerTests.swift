import Testing

@testable import AjarPolicy

@Suite struct SensitiveDataScannerTests {
    @Test("overlapping spans: the longer wins, then the earlier, then the detector listed first")
    func overlaps() {
        let spans = [
            DetectedSpan(.phone, 5..<15), DetectedSpan(.secret, 0..<40), DetectedSpan(.email, 50..<60),
            DetectedSpan(.ipAddress, 55..<65), DetectedSpan(.ssn, 70..<75), DetectedSpan(.phone, 70..<75),
        ]
        let priority: [DataClass: Int] = [.secret: 0, .ssn: 3, .email: 4, .phone: 5, .ipAddress: 6]
        let kept = SensitiveDataScanner.resolveOverlaps(spans, priority: priority)
        #expect(kept == [DetectedSpan(.secret, 0..<40), DetectedSpan(.email, 50..<60), DetectedSpan(.ssn, 70..<75)])
        // Independent of input order.
        #expect(SensitiveDataScanner.resolveOverlaps(spans.reversed(), priority: priority) == kept)
    }

    @Test("a JWT's digits are not reported as a phone number; an IBAN's digit groups are not a card")
    func containedSpans() {
        let text =
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMjA3OTQ2MDk1OCJ9.c2lnbmF0dXJlMTIzNDU2 and DE89 3704 0044 0532 0130 00"
        #expect(SensitiveDataScanner.builtIn.scan(text).map(\.dataClass) == [.secret, .iban])
    }

    @Test("ranges are UTF-8 offsets, correct after multi-byte characters")
    func utf8Offsets() {
        let text = "日本語 ada@example.com"
        let spans = SensitiveDataScanner.builtIn.scan(text)
        #expect(spans == [DetectedSpan(.email, 10..<25)])
    }
}

extension SensitiveDataScannerTests {
    @Test(
        "property: overlap resolution keeps disjoint, sorted spans, the same for any input order",
        arguments: [21, 22] as [UInt64])
    func overlapProperty(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let classes = DataClass.builtIn
        let priority = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element, $0.offset) })
        for _ in 0..<300 {
            var spans: [DetectedSpan] = []
            for _ in 0..<generator.int(in: 0...12) {
                let start = generator.int(in: 0...60)
                spans.append(
                    DetectedSpan(
                        classes[generator.int(in: 0...(classes.count - 1))], start..<(start + generator.int(in: 0...15))
                    ))
            }
            let kept = SensitiveDataScanner.resolveOverlaps(spans, priority: priority)
            #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.range.upperBound <= $1.range.lowerBound })
            #expect(kept.allSatisfy { spans.contains($0) && !$0.range.isEmpty })
            // Every dropped non-empty span overlaps a kept one at least as long.
            for span in spans where !span.range.isEmpty && !kept.contains(span) {
                #expect(kept.contains { $0.range.overlaps(span.range) && $0.range.count >= span.range.count })
            }
            var shuffled = spans
            shuffled.shuffle(using: &generator)
            #expect(SensitiveDataScanner.resolveOverlaps(shuffled, priority: priority) == kept)
        }
    }
}
