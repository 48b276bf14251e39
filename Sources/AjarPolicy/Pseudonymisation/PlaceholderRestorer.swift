/// Puts values back in place of placeholders in text that arrives in pieces: the state machine
/// behind ``StreamRestorer``, one per stream of text (a choice's content, one tool call's arguments).
///
/// It holds back only a possible placeholder prefix: text from a `<` up to the end of the piece,
/// when that text is the start of one of the table's placeholders. Everything else is passed on
/// at once. Pieces are `String`s, so they are valid UTF-8, and output is only split before a `<`
/// (ASCII), so each output piece is valid UTF-8 too.
package struct PlaceholderRestorer: Sendable {
    /// The held-back bytes: empty, or `<` and a proper prefix of some placeholder.
    private var pending: [UInt8] = []

    package init() {}

    /// Whether text is held back, waiting for the next piece.
    package var isHolding: Bool { !pending.isEmpty }

    /// Restores one piece.
    /// - Parameters:
    ///   - piece: the next piece of the text.
    ///   - table: the request's placeholders.
    /// - Returns: the text that can be passed on now (possibly empty).
    package mutating func feed(_ piece: String, table: PseudonymTable) -> String {
        if pending.isEmpty, !piece.utf8.contains(UInt8(ascii: "<")) { return piece }
        var input = pending
        input.append(contentsOf: piece.utf8)
        pending.removeAll(keepingCapacity: true)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var i = 0
        let n = input.count
        while i < n {
            let byte = input[i]
            guard byte == UInt8(ascii: "<") else {
                output.append(byte)
                i += 1
                continue
            }
            // Read the longest run that could be a placeholder: "<" [A-Z0-9_]* ">".
            var j = i + 1
            let limit = min(n, i + table.maxPlaceholderLength)
            while j < limit, Self.isPlaceholderByte(input[j]) { j += 1 }
            if j < n, input[j] == UInt8(ascii: ">"), j + 1 - i <= table.maxPlaceholderLength {
                let candidate = String(decoding: input[i...j], as: UTF8.self)
                if let value = table.values[candidate] {
                    output.append(contentsOf: value.utf8)
                    i = j + 1
                    continue
                }
            } else if j == n, table.prefixes.contains(String(decoding: input[i..<n], as: UTF8.self)) {
                pending.append(contentsOf: input[i..<n])
                break
            }
            output.append(byte)
            i += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Ends the text: whatever was held back was not a placeholder and is returned as it was.
    package mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    @inline(__always) private static func isPlaceholderByte(_ byte: UInt8) -> Bool {
        byte.isASCIIUpper || byte.isASCIIDigit || byte == UInt8(ascii: "_")
    }
}
