import AjarCore

/// Where in a ``ChatRequest`` a scanned text lives, so a rewritten version can be put back.
enum TextLocation: Sendable, Hashable {
    /// `messages[message].content[part]`, a text part.
    case content(message: Int, part: Int)
    /// `messages[message].refusal`.
    case refusal(message: Int)
    /// `messages[message].tool_calls[call].function.arguments`.
    case toolArguments(message: Int, call: Int)

    /// Replaces the text at this location in `request`; does nothing if the location is not there.
    func write(_ text: String, into request: inout ChatRequest) {
        switch self {
        case .content(let m, let p):
            guard request.messages.indices.contains(m), request.messages[m].content.indices.contains(p) else { return }
            request.messages[m].content[p] = .text(text)
        case .refusal(let m):
            guard request.messages.indices.contains(m) else { return }
            request.messages[m].refusal = text
        case .toolArguments(let m, let c):
            guard request.messages.indices.contains(m), request.messages[m].toolCalls.indices.contains(c) else {
                return
            }
            request.messages[m].toolCalls[c].arguments = text
        }
    }
}
