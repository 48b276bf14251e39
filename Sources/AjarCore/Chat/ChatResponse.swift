/// A complete (non-streamed) answer in canonical form.
package struct ChatResponse: Sendable, Equatable {
    package var id: String
    /// The model that answered, as the upstream named it.
    package var model: String
    /// Unix seconds.
    package var created: Int
    package var choices: [ChatChoice]
    package var usage: Usage?
    package var systemFingerprint: String?

    package init(id: String, model: String, created: Int, choices: [ChatChoice], usage: Usage? = nil) {
        self.id = id
        self.model = model
        self.created = created
        self.choices = choices
        self.usage = usage
    }
}

/// One of the `n` answers.
package struct ChatChoice: Sendable, Equatable {
    package var index: Int
    /// The assistant's message: text, tool calls, refusal.
    package var message: ChatMessage
    package var finishReason: FinishReason?
    /// Log probabilities in OpenAI's shape, when asked for and given.
    package var logprobs: JSON?

    package init(index: Int, message: ChatMessage, finishReason: FinishReason?, logprobs: JSON? = nil) {
        self.index = index
        self.message = message
        self.finishReason = finishReason
        self.logprobs = logprobs
    }
}

/// A tool call the model made.
package struct ToolCall: Sendable, Equatable {
    package var id: String
    package var name: String
    /// The arguments as the model wrote them: JSON text (possibly invalid; models err).
    package var arguments: String

    package init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Why the model stopped.
package enum FinishReason: Sendable, Equatable {
    /// A natural end, or one of the client's stop sequences (`sequence` names it when known).
    case stop(sequence: String? = nil)
    /// The token limit.
    case length
    case toolCalls
    case contentFilter
    /// Anything else a vendor said, verbatim.
    case other(String)

    /// The OpenAI spelling.
    package var openAIValue: String {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        case .other(let value): value
        }
    }

    /// Parses the OpenAI spelling.
    package init(openAI value: String) {
        switch value {
        case "stop": self = .stop()
        case "length": self = .length
        case "tool_calls", "function_call": self = .toolCalls
        case "content_filter": self = .contentFilter
        default: self = .other(value)
        }
    }
}

/// Token counts for one call.
package struct Usage: Sendable, Equatable {
    package var promptTokens: Int
    package var completionTokens: Int
    /// Prompt tokens served from the vendor's cache (billed at the cached price).
    package var cachedPromptTokens: Int?
    /// Completion tokens spent on hidden reasoning.
    package var reasoningTokens: Int?

    package init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int? = nil, reasoningTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.reasoningTokens = reasoningTokens
    }

    package var totalTokens: Int { promptTokens + completionTokens }
}
