/// One server-sent event as a dialect encoder produces it, before it goes on the wire.
package struct SSEEvent: Sendable, Equatable {
    /// The `event:` field (Anthropic names every event; OpenAI names none).
    package var name: String?
    /// The payload, usually one line of compact JSON.
    package var data: String

    package init(name: String? = nil, data: String) {
        self.name = name
        self.data = data
    }

    /// The event in the text/event-stream format: `event: NAME\ndata: DATA\n\n`, without the
    /// `event:` line when `name` is `nil`. A payload with line breaks becomes one `data:` line per
    /// line, which a client's parser joins back with `\n`.
    package func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + (name?.utf8.count ?? 0) + 16)
        if let name {
            out.append(contentsOf: "event: ".utf8)
            out.append(contentsOf: name.utf8)
            out.append(0x0A)
        }
        // SSE ends a line at CR, LF or CRLF (Swift reads CRLF as one Character); nothing else.
        let lines = data.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        for line in lines {
            out.append(contentsOf: "data: ".utf8)
            out.append(contentsOf: line.utf8)
            out.append(0x0A)
        }
        out.append(0x0A)
        return out
    }
}
