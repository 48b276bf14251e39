import AjarCore

/// Restores pseudonyms in a streamed answer, chunk by chunk, including placeholders split across
/// chunks and inside tool-call argument deltas.
///
/// One ``PlaceholderRestorer`` runs per text stream: each choice's `content`, its `refusal`, and
/// each of its tool calls' `arguments`. A choice's held-back text is released on the chunk that
/// carries its finish reason; ``finish()`` releases anything left when the stream ends without one.
/// Pure: the owner feeds chunks and forwards what comes out.
package struct StreamRestorer: Sendable {
    private enum Field: Hashable, Sendable {
        case content
        case refusal
        case arguments(toolIndex: Int)
    }

    private struct Channel: Hashable, Sendable {
        var choice: Int
        var field: Field
    }

    private let table: PseudonymTable
    private var channels: [Channel: PlaceholderRestorer] = [:]
    /// The last chunk's identity, to stamp on the chunk ``finish()`` makes.
    private var lastChunk: (id: String, model: String, created: Int)?

    /// - Parameter table: the placeholders of the request whose answer this is.
    package init(table: PseudonymTable) {
        self.table = table
    }

    /// Restores one chunk.
    /// - Returns: the chunk with placeholders replaced by values; text that may be the start of a
    ///   placeholder is held back until the next chunk of the same choice.
    package mutating func restore(_ chunk: ChatChunk) -> ChatChunk {
        lastChunk = (chunk.id, chunk.model, chunk.created)
        guard !table.isEmpty else { return chunk }
        var chunk = chunk
        for c in chunk.choices.indices {
            let choice = chunk.choices[c].index
            var delta = chunk.choices[c].delta
            if let content = delta.content {
                delta.content = feed(content, Channel(choice: choice, field: .content))
            }
            if let refusal = delta.refusal {
                delta.refusal = feed(refusal, Channel(choice: choice, field: .refusal))
            }
            for t in delta.toolCalls.indices {
                if let arguments = delta.toolCalls[t].arguments {
                    let channel = Channel(choice: choice, field: .arguments(toolIndex: delta.toolCalls[t].index))
                    delta.toolCalls[t].arguments = feed(arguments, channel)
                }
            }
            if chunk.choices[c].finishReason != nil {
                release(choice: choice, into: &delta)
            }
            chunk.choices[c].delta = delta
        }
        return chunk
    }

    /// Ends the stream: a chunk carrying whatever is still held back, or `nil` if nothing is.
    package mutating func finish() -> ChatChunk? {
        let held = Set(channels.filter { $0.value.isHolding }.map(\.key.choice)).sorted()
        guard !held.isEmpty, let last = lastChunk else {
            channels.removeAll()
            return nil
        }
        var choices: [ChunkChoice] = []
        for choice in held {
            var delta = ChunkDelta()
            release(choice: choice, into: &delta)
            choices.append(ChunkChoice(index: choice, delta: delta))
        }
        return ChatChunk(id: last.id, model: last.model, created: last.created, choices: choices)
    }

    private mutating func feed(_ text: String, _ channel: Channel) -> String {
        var restorer = channels[channel] ?? PlaceholderRestorer()
        let output = restorer.feed(text, table: table)
        channels[channel] = restorer
        return output
    }

    /// Appends every held-back text of `choice` to `delta` and forgets the choice's channels.
    private mutating func release(choice: Int, into delta: inout ChunkDelta) {
        let owned = channels.keys.filter { $0.choice == choice }
        for channel in owned {
            guard var restorer = channels.removeValue(forKey: channel), restorer.isHolding else { continue }
            let rest = restorer.finish()
            switch channel.field {
            case .content:
                delta.content = (delta.content ?? "") + rest
            case .refusal:
                delta.refusal = (delta.refusal ?? "") + rest
            case .arguments(let toolIndex):
                if let t = delta.toolCalls.firstIndex(where: { $0.index == toolIndex }) {
                    delta.toolCalls[t].arguments = (delta.toolCalls[t].arguments ?? "") + rest
                } else {
                    delta.toolCalls.append(ToolCallDelta(index: toolIndex, arguments: rest))
                }
            }
        }
        delta.toolCalls.sort { $0.index < $1.index }
    }
}
