// Writes server-sent-event bodies the awkward way real networks deliver them: the whole event
// stream of one response is cut at pseudo-random byte boundaries (1 to 17 bytes a piece, seeded
// per request, so a failing test replays exactly), which lands cuts inside `data:` prefixes,
// inside multi-byte UTF-8 characters and between `\r` and `\n`. Each piece is its own write,
// with a yield between, so the client sees them as separate reads.

import Hummingbird

/// One server-sent event, complete with its terminating blank line.
struct SSEEvent: Sendable {
    /// The event's bytes as text, e.g. `"data: {...}\n\n"`.
    var text: String
    /// Whether the event carries answer content (a text or tool-argument delta); scenarios that
    /// cut a stream short count these.
    var isContent: Bool

    init(_ text: String, isContent: Bool = false) {
        self.text = text
        self.isContent = isContent
    }
}

/// Everything needed to write one SSE response body.
struct StreamPlan: Sendable {
    /// The events of a complete, successful stream.
    var events: [SSEEvent]
    /// Where the scenario cuts the stream short.
    var cut: StreamCut = .none
    /// The vendor's in-stream error event, used by `StreamCut.errorAfterTwoContentEvents`.
    var errorEvent: SSEEvent?
    /// Milliseconds to wait before each event.
    var delayMilliseconds: Int = 0
    /// Whether to cut the bytes into awkward pieces (otherwise one write per event).
    var splits: Bool = true
    /// Seed for the cut positions.
    var seed: UInt64 = 0

    /// The events actually sent, and whether the connection is then dropped instead of ending
    /// the body.
    var eventsToSend: (events: [SSEEvent], aborts: Bool) {
        switch cut {
        case .none:
            return (events, false)
        case .beforeFirstEvent:
            return ([], true)
        case .abortAfterTwoContentEvents:
            return (Self.prefixThroughSecondContent(events), true)
        case .endAfterTwoContentEvents:
            return (Self.prefixThroughSecondContent(events), false)
        case .errorAfterTwoContentEvents:
            return (Self.prefixThroughSecondContent(events) + (errorEvent.map { [$0] } ?? []), false)
        }
    }

    private static func prefixThroughSecondContent(_ events: [SSEEvent]) -> [SSEEvent] {
        var contentSeen = 0
        for (index, event) in events.enumerated() where event.isContent {
            contentSeen += 1
            if contentSeen == 2 { return Array(events[...index]) }
        }
        // Fewer than two content events: stop after the last one there is.
        if let last = events.lastIndex(where: \.isContent) { return Array(events[...last]) }
        return []
    }
}

/// Thrown from a response body to drop the connection without ending the body.
struct FakeConnectionDrop: Error {}

enum SSEChunker {
    /// Byte ranges of the awkward pieces of `count` bytes: consecutive, each 1...17 bytes long.
    static func pieceRanges(count: Int, seed: UInt64) -> [Range<Int>] {
        var generator = SplitMix64(seed: seed)
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let length = Int(generator.next() % 17) + 1
            let end = min(count, start + length)
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// The response body for a plan: pieces written one by one; waits before each event when
    /// the scenario is slow; ends cleanly or drops the connection as the plan says.
    static func body(for plan: StreamPlan) -> ResponseBody {
        let (events, aborts) = plan.eventsToSend
        var bytes: [UInt8] = []
        var eventStarts: [Int] = []
        for event in events {
            eventStarts.append(bytes.count)
            bytes.append(contentsOf: Array(event.text.utf8))
        }
        let ranges: [Range<Int>]
        if plan.splits {
            ranges = pieceRanges(count: bytes.count, seed: plan.seed)
        } else {
            ranges = zip(eventStarts, eventStarts.dropFirst() + [bytes.count]).map { $0.0..<$0.1 }
        }
        let delay = plan.delayMilliseconds
        let allBytes = bytes
        let starts = eventStarts
        return ResponseBody { writer in
            var nextEvent = 0
            for range in ranges {
                // Wait once for every event that begins inside this piece.
                while nextEvent < starts.count, starts[nextEvent] < range.upperBound {
                    if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                    nextEvent += 1
                }
                try await writer.write(ByteBuffer(bytes: allBytes[range]))
                await Task.yield()
            }
            if aborts { throw FakeConnectionDrop() }
            try await writer.finish(nil)
        }
    }
}

// MARK: - Determinism

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed, seedable generator.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a hash, for seeds derived from request bytes.
enum FNV1a {
    static func hash(_ bytes: some Sequence<UInt8>, into start: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        var hash = start
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
