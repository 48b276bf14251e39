/// One event of a streamed answer, in canonical form (OpenAI's `chat.completion.chunk` shape).
package struct ChatChunk: Sendable, Equatable {
    package var id: String
    package var model: String
    package var created: Int
    package var choices: [ChunkChoice]
    /// Set on the final usage event (`stream_options.include_usage`), with `choices` empty.
    package var usage: Usage?

    package init(id: String, model: String, created: Int, choices: [ChunkChoice], usage: Usage? = nil) {
        self.id = id
        self.model = model
        self.created = created
        self.choices = choices
        self.usage = usage
    }

    /// Whether this chunk carries generated output (text, a tool call, or a finish), as opposed to
    /// an opening role-only chunk. The runner commits to a deployment at the first such chunk.
    package var hasOutput: Bool {
        choices.contains { choice in
            choice.delta.content?.isEmpty == false || !choice.delta.toolCalls.isEmpty
                || choice.finishReason != nil || choice.delta.refusal?.isEmpty == false
        }
    }
}

/// The change to one choice in a chunk.
package struct ChunkChoice: Sendable, Equatable {
    package var index: Int
    package var delta: ChunkDelta
    package var finishReason: FinishReason?
    package var logprobs: JSON?

    package init(index: Int, delta: ChunkDelta, finishReason: FinishReason? = nil, logprobs: JSON? = nil) {
        self.index = index
        self.delta = delta
        self.finishReason = finishReason
        self.logprobs = logprobs
    }
}

/// New output for one choice.
package struct ChunkDelta: Sendable, Equatable {
    /// Set on a choice's first chunk.
    package var role: ChatMessage.Role?
    package var content: String?
    package var refusal: String?
    package var toolCalls: [ToolCallDelta] = []

    package init(role: ChatMessage.Role? = nil, content: String? = nil, toolCalls: [ToolCallDelta] = []) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
    }
}

/// A piece of a tool call: the first piece for an `index` carries `id` and `name`, later pieces
/// carry fragments of the JSON arguments.
package struct ToolCallDelta: Sendable, Equatable {
    package var index: Int
    package var id: String?
    package var name: String?
    package var arguments: String?

    package init(index: Int, id: String? = nil, name: String? = nil, arguments: String? = nil) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
