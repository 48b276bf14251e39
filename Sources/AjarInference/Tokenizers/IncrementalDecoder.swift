/// Turns a stream of token ids into text without ever cutting a UTF-8 character in two.
///
/// A byte-level token may end in the middle of a character (an emoji is often two or three tokens).
/// `append` returns only complete text and holds back the unfinished tail until the next token
/// completes it; `finish` flushes what is left. Bytes that can never become valid UTF-8 are
/// emitted as U+FFFD at once rather than held.
package struct IncrementalDecoder: Sendable {
    private let tokenizer: Tokenizer
    private let renderSpecial: Bool
    /// At most 3 bytes: the start of a character whose remaining bytes have not arrived.
    private var pending: [UInt8] = []

    /// - Parameters:
    ///   - tokenizer: the model's tokenizer.
    ///   - renderSpecial: show control tokens as their text.
    package init(tokenizer: Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Whether bytes are being held back for the next token.
    package var hasPendingBytes: Bool { !pending.isEmpty }

    /// Adds one token.
    /// - Parameter id: the generated token.
    /// - Returns: the text that is now complete (possibly empty).
    package mutating func append(_ id: Int32) -> String {
        append(bytes: tokenizer.piece(id, renderSpecial: renderSpecial))
    }

    /// Adds raw bytes (e.g. a piece obtained elsewhere).
    /// - Returns: the text that is now complete (possibly empty).
    package mutating func append<Bytes: Collection>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        guard !bytes.isEmpty else { return "" }
        pending.append(contentsOf: bytes)
        let keep = Self.incompleteTailLength(pending)
        let ready = pending[..<(pending.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Ends the stream.
    /// - Returns: the held-back bytes as text (an unfinished character becomes U+FFFD).
    package mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The number of bytes at the end of `bytes` that start a UTF-8 character still missing bytes:
    /// a lead byte followed by fewer continuation bytes than it announces.
    static func incompleteTailLength(_ bytes: [UInt8]) -> Int {
        var continuation = 0
        var index = bytes.count - 1
        while index >= 0 && continuation < 3 {
            let byte = bytes[index]
            if byte & 0xC0 == 0x80 {  // continuation byte: keep looking for its lead
                continuation += 1
                index -= 1
                continue
            }
            let needed: Int
            switch byte {
            case 0xC2...0xDF: needed = 1
            case 0xE0...0xEF: needed = 2
            case 0xF0...0xF4: needed = 3
            default: return 0  // ASCII or a byte that never starts a character
            }
            return continuation < needed ? continuation + 1 : 0
        }
        return 0
    }
}
