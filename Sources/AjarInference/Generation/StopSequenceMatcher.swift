/// Finds the client's stop sequences in streamed text, holding back only as much text as could
/// still turn out to begin one, so that a stop sequence split across tokens is never emitted.
package struct StopSequenceMatcher: Sendable {
    private let stops: [String]
    private var pending = ""

    package init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
    }

    /// The outcome of feeding text.
    package enum Step: Equatable, Sendable {
        /// Text safe to emit now (possibly empty: all of it may be held back).
        case text(String)
        /// A stop sequence was found: emit the text before it, then stop.
        case stop(before: String, sequence: String)
    }

    /// Feeds newly generated text.
    package mutating func feed(_ text: String) -> Step {
        guard !stops.isEmpty else { return .text(text) }
        pending += text
        var earliest: (range: Range<String.Index>, stop: String)?
        for stop in stops {
            if let range = pending.range(of: stop), earliest.map({ range.lowerBound < $0.range.lowerBound }) ?? true {
                earliest = (range, stop)
            }
        }
        if let earliest {
            let before = String(pending[..<earliest.range.lowerBound])
            pending = ""
            return .stop(before: before, sequence: earliest.stop)
        }
        // Hold back the longest suffix of `pending` that is a proper prefix of some stop sequence.
        var hold = 0
        for stop in stops {
            let limit = min(stop.count - 1, pending.count)
            guard limit > 0 else { continue }
            for length in stride(from: limit, to: hold, by: -1) where pending.hasSuffix(stop.prefix(length)) {
                hold = length
                break
            }
        }
        let emitEnd = pending.index(pending.endIndex, offsetBy: -hold)
        let emitted = String(pending[..<emitEnd])
        pending = String(pending[emitEnd...])
        return .text(emitted)
    }

    /// At the end of generation: whatever was held back, since no stop sequence completed.
    package mutating func flush() -> String {
        defer { pending = "" }
        return pending
    }
}
