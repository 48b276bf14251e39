/// A chat request in Ajar's canonical form: what every dialect decodes into and every provider
/// encodes from. Its shape follows OpenAI's Chat Completions, the lingua franca of the field;
/// anything a dialect has that this does not model travels in ``extra`` (OpenAI-compatible
/// providers forward it, the others drop it).
package struct ChatRequest: Sendable, Equatable {
    /// The model alias the client asked for; a provider receives the deployment's upstream name.
    package var model: String
    package var messages: [ChatMessage]
    package var tools: [ToolDefinition] = []
    package var toolChoice: ToolChoice?
    package var parallelToolCalls: Bool?
    package var responseFormat: ResponseFormat?
    /// Upper bound on generated tokens (`max_tokens` / `max_completion_tokens`).
    package var maxTokens: Int?
    package var temperature: Double?
    package var topP: Double?
    /// Top-k sampling (Anthropic, Gemini, local engines; not sent to OpenAI).
    package var topK: Int?
    /// Number of choices to generate.
    package var n: Int?
    package var stop: [String] = []
    package var seed: Int64?
    package var presencePenalty: Double?
    package var frequencyPenalty: Double?
    package var logprobs: Bool?
    package var topLogprobs: Int?
    /// An end-user id the client passes for abuse monitoring.
    package var user: String?
    package var stream: Bool = false
    /// `stream_options.include_usage`: end the stream with a usage chunk.
    package var includeUsage: Bool = false
    /// OpenAI-dialect fields that the canonical form does not model, in request order.
    package var extra: JSONObject = JSONObject()

    package init(model: String, messages: [ChatMessage]) {
        self.model = model
        self.messages = messages
    }
}

/// One message of a conversation.
package struct ChatMessage: Sendable, Equatable {
    package enum Role: String, Sendable, Equatable {
        case system, developer, user, assistant, tool
    }

    package var role: Role
    /// The content, as parts. Plain string content is a single `.text` part.
    package var content: [ContentPart]
    /// Whether the content was a plain string (so it can be written back the same way).
    package var contentIsString: Bool
    package var name: String?
    /// Tool calls an assistant message made.
    package var toolCalls: [ToolCall] = []
    /// For `tool` messages: the id of the call this answers.
    package var toolCallID: String?
    /// An assistant's refusal text (OpenAI structured outputs).
    package var refusal: String?

    package init(role: Role, content: [ContentPart], contentIsString: Bool = false) {
        self.role = role
        self.content = content
        self.contentIsString = contentIsString
    }

    /// A message whose content is one string.
    package init(role: Role, text: String) {
        self.init(role: role, content: [.text(text)], contentIsString: true)
    }

    /// All text parts joined, ignoring other parts.
    package var text: String {
        var result = ""
        for case .text(let text) in content { result += text }
        return result
    }
}

/// One part of a message's content.
package enum ContentPart: Sendable, Equatable {
    case text(String)
    case image(ImageSource)
    /// Audio input, base64 with its format (`wav`, `mp3`).
    case audio(data: String, format: String)
    /// A file by id or inline data (OpenAI `file` parts), kept as the dialect gave it.
    case file(JSON)
}

/// Where an image comes from.
package struct ImageSource: Sendable, Equatable {
    /// An `https:` URL or a `data:` URL.
    package var url: String
    /// OpenAI's `detail` (`auto`, `low`, `high`).
    package var detail: String?

    package init(url: String, detail: String? = nil) {
        self.url = url
        self.detail = detail
    }

    /// For a `data:<mime>;base64,<data>` URL, its media type and base64 payload.
    package var inlineData: (mediaType: String, base64: String)? {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        let mediaType = String(header.dropLast(";base64".count))
        return (mediaType.isEmpty ? "application/octet-stream" : mediaType, String(url[url.index(after: comma)...]))
    }
}

/// A function the model may call.
package struct ToolDefinition: Sendable, Equatable {
    package var name: String
    package var description: String?
    /// JSON Schema of the arguments (an object schema), kept verbatim.
    package var parameters: JSON?
    package var strict: Bool?

    package init(name: String, description: String? = nil, parameters: JSON? = nil, strict: Bool? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
    }
}

/// Whether and which tool the model must call.
package enum ToolChoice: Sendable, Equatable {
    case auto
    case none
    case required
    case function(String)
}

/// The shape of the answer the client asked for.
package enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    /// A JSON schema: its name, the schema itself (verbatim), and whether it is strict.
    case jsonSchema(name: String, description: String?, schema: JSON?, strict: Bool?)
}
