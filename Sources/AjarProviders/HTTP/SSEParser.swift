import AjarCore

/// Incremental parser for server-sent events (the WHATWG HTML "event stream" format).
///
/// Bytes arrive in arbitrary pieces (a piece may end inside `data:`, inside a multi-byte
/// character, or between `\r` and `\n`); the parser keeps the unfinished line and returns the
/// events completed by each piece. Lines end with `\n`, `\r\n` or `\r`; `data:` lines of one event
/// are joined with `\n`; lines starting with `:` are comments; an event is dispatched at a blank
/// line, and only if it has data. A leading UTF-8 BOM is skipped.
package struct SSEParser: Sendable {
    /// One dispatched event.
    package struct Event: Sendable, Equatable {
        /// The `event:` field, or `nil` (the spec's default type, "message").
        package var name: String?
        package var data: String
        package var id: String?

        package init(name: String? = nil, data: String, id: String? = nil) {
            self.name = name
            self.data = data
            self.id = id
        }
    }

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var atStart = true
    private var eventName: String?
    private var data: [UInt8] = []
    private var hasData = false
    private var eventID: String?
    /// Longest line accepted, so an upstream that never sends a newline cannot grow memory.
    package var maxLineBytes = 16 << 20

    package init() {}

    /// Feeds a piece of the stream; returns the events it completed, in order.
    package mutating func feed(_ bytes: some Sequence<UInt8>) throws(ProviderError) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if atStart {
                atStart = false
                if byte == 0xEF { line.append(byte); continue }
            }
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }  // the \n of \r\n
            }
            switch byte {
            case 0x0A:
                if let event = endLine() { events.append(event) }
            case 0x0D:
                lastWasCR = true
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
                if line.count > maxLineBytes {
                    throw .malformedResponse("server-sent event line longer than \(maxLineBytes) bytes")
                }
            }
        }
        return events
    }

    /// Ends the stream: an event without its closing blank line is dropped, as the spec says.
    package mutating func finish() {
        line.removeAll()
        data.removeAll()
        hasData = false
        eventName = nil
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        // A BOM may have been kept at the very start of the first line.
        if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF { line.removeFirst(3) }
        if line.isEmpty { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = colon.map { Array(line[..<$0]) } ?? line
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch field {
        case Array("data".utf8):
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case Array("event".utf8):
            eventName = String(decoding: value, as: UTF8.self)
        case Array("id".utf8):
            if !value.contains(0) { eventID = String(decoding: value, as: UTF8.self) }
        default:
            break  // `retry:` and unknown fields are ignored
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventName = nil
        }
        guard hasData else { return nil }
        return Event(name: eventName, data: String(decoding: data, as: UTF8.self), id: eventID)
    }
}
