import AjarCore

extension AnthropicDialect {
    /// Decodes and validates a Messages request body (`POST /v1/messages`) into a canonical request.
    ///
    /// Validation follows Anthropic's: `model` (string), `max_tokens` (integer ≥ 1) and `messages`
    /// (non-empty array) are required; roles are `user` or `assistant`; content is a string or an
    /// array of known blocks; a `tool_result` must answer a `tool_use` id from an earlier message.
    /// Errors name the parameter in Anthropic's dotted style (`messages.1.content.0.type`).
    ///
    /// The mapping is the inverse of `AnthropicProvider`'s:
    /// - `system` (a string or text blocks) → a leading `system` message;
    /// - `tool_use` blocks → the assistant message's tool calls (arguments = compact JSON of `input`);
    /// - `tool_result` blocks → `tool` messages (in block order, before any other content of the
    ///   same user turn, which follows as one `user` message); `is_error` has no canonical field and
    ///   the result's text is kept as is;
    /// - `image` blocks → image parts (`base64` sources as `data:` URLs); PDF `document` blocks →
    ///   OpenAI-style `file` parts; `thinking`/`redacted_thinking` blocks in assistant history are
    ///   dropped (no canonical place);
    /// - `stop_sequences` → `stop`, `metadata.user_id` → `user`, `tool_choice` `any` → `required`,
    ///   `disable_parallel_tool_use` → `parallel_tool_calls: false`;
    /// - `thinking` (extended thinking) is not acted on, and deliberately not put in
    ///   ``ChatRequest/extra``: OpenAI-compatible upstreams forward `extra` and would refuse it.
    ///
    /// A streamed request also asks for usage (`includeUsage`), which the stream encoder needs for
    /// `message_delta`. Unknown top-level fields are ignored rather than refused, so clients newer
    /// than this gateway keep working.
    /// - Throws: ``GatewayError/invalidRequest(_:param:)`` naming the offending parameter.
    package static func decodeRequest(_ json: JSON) throws(GatewayError) -> ChatRequest {
        guard let body = json.objectValue else {
            throw .invalidRequest("The request body must be a JSON object.")
        }
        let model = try body.requiredString("model", at: "")
        if model.isEmpty { throw invalid("model", "must not be empty") }
        let maxTokens = try body.requiredInt("max_tokens", at: "")
        if maxTokens < 1 { throw invalid("max_tokens", "Input should be greater than or equal to 1") }
        let rawMessages = try body.requiredArray("messages", at: "")
        if rawMessages.isEmpty { throw invalid("messages", "at least one message is required") }

        var messages: [ChatMessage] = []
        if let system = try decodeSystem(body["system"]) { messages.append(system) }
        var toolUseIDs: Set<String> = []
        for (index, raw) in rawMessages.enumerated() {
            messages += try decodeMessage(raw, path: "messages.\(index)", toolUseIDs: &toolUseIDs)
        }

        var request = ChatRequest(model: model, messages: messages)
        request.maxTokens = maxTokens
        if let stops = try body.array("stop_sequences", at: "") {
            request.stop = try stops.enumerated().map { (index, value) throws(GatewayError) in
                guard let stop = value.stringValue else { throw invalid("stop_sequences.\(index)", "Input should be a valid string") }
                return stop
            }
        }
        request.temperature = try body.double("temperature", at: "")
        if let temperature = request.temperature, !(0...1).contains(temperature) {
            throw invalid("temperature", "Input should be between 0 and 1")
        }
        request.topP = try body.double("top_p", at: "")
        if let topP = request.topP, !(0...1).contains(topP) { throw invalid("top_p", "Input should be between 0 and 1") }
        request.topK = try body.int("top_k", at: "")
        if let topK = request.topK, topK < 0 { throw invalid("top_k", "Input should be greater than or equal to 0") }
        request.stream = try body.bool("stream", at: "") ?? false
        request.includeUsage = request.stream
        if let tools = try body.array("tools", at: "") {
            request.tools = try tools.enumerated().map { (index, tool) throws(GatewayError) in
                try decodeTool(tool, path: "tools.\(index)")
            }
        }
        if let choice = try body.object("tool_choice", at: "") {
            try decodeToolChoice(choice, into: &request)
        }
        if let metadata = try body.object("metadata", at: "") {
            request.user = try metadata.string("user_id", at: "metadata")
        }
        return request
    }

    // MARK: - Messages

    /// `system` as a string or an array of text blocks → one system message (nil when absent or empty).
    private static func decodeSystem(_ system: JSON?) throws(GatewayError) -> ChatMessage? {
        switch system {
        case nil, .null?:
            return nil
        case .string(let text)?:
            return text.isEmpty ? nil : ChatMessage(role: .system, text: text)
        case .array(let blocks)?:
            var parts: [ContentPart] = []
            for (index, block) in blocks.enumerated() {
                let path = "system.\(index)"
                let object = try block.requireObject(at: path)
                let type = try object.requiredString("type", at: path)
                guard type == "text" else { throw invalid("\(path).type", "Input should be 'text'") }
                parts.append(.text(try object.requiredString("text", at: path)))
            }
            return parts.isEmpty ? nil : ChatMessage(role: .system, content: parts)
        case let other?:
            throw invalid("system", "Input should be a valid string or a list of text blocks, not \(other.typeName)")
        }
    }

    /// One Anthropic message → canonical messages (a user turn with tool results becomes several).
    private static func decodeMessage(
        _ raw: JSON, path: String, toolUseIDs: inout Set<String>
    ) throws(GatewayError) -> [ChatMessage] {
        let object = try raw.requireObject(at: path)
        let role = try object.requiredString("role", at: path)
        guard role == "user" || role == "assistant" else {
            throw invalid("\(path).role", "Input should be 'user' or 'assistant'")
        }
        let contentPath = "\(path).content"
        switch object["content"] {
        case nil, .null?:
            throw invalid(contentPath, "Field required")
        case .string(let text)?:
            return [ChatMessage(role: role == "user" ? .user : .assistant, text: text)]
        case .array(let blocks)?:
            if role == "user" {
                if blocks.isEmpty {
                    throw invalid(path, "all messages must have non-empty content except for the optional final assistant message")
                }
                return try decodeUserBlocks(blocks, path: contentPath, toolUseIDs: toolUseIDs)
            }
            return [try decodeAssistantBlocks(blocks, path: contentPath, toolUseIDs: &toolUseIDs)]
        case let other?:
            throw invalid(contentPath, "Input should be a valid string or a list of content blocks, not \(other.typeName)")
        }
    }

    private static func decodeUserBlocks(
        _ blocks: [JSON], path: String, toolUseIDs: Set<String>
    ) throws(GatewayError) -> [ChatMessage] {
        var toolMessages: [ChatMessage] = []
        var parts: [ContentPart] = []
        for (index, raw) in blocks.enumerated() {
            let blockPath = "\(path).\(index)"
            let block = try raw.requireObject(at: blockPath)
            switch try block.requiredString("type", at: blockPath) {
            case "text":
                parts.append(.text(try block.requiredString("text", at: blockPath)))
            case "image":
                parts.append(.image(try decodeImage(block, path: blockPath)))
            case "document":
                parts.append(try decodeDocument(block, path: blockPath))
            case "tool_result":
                let id = try block.requiredString("tool_use_id", at: blockPath)
                guard toolUseIDs.contains(id) else {
                    throw invalid(
                        "\(blockPath).tool_use_id",
                        "unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each `tool_result` block must have a corresponding `tool_use` block in an earlier message.")
                }
                _ = try block.bool("is_error", at: blockPath)
                var message: ChatMessage
                switch block["content"] {
                case nil, .null?:
                    message = ChatMessage(role: .tool, text: "")
                case .string(let text)?:
                    message = ChatMessage(role: .tool, text: text)
                case .array(let inner)?:
                    message = ChatMessage(role: .tool, content: try decodeToolResultBlocks(inner, path: "\(blockPath).content"))
                case let other?:
                    throw invalid("\(blockPath).content", "Input should be a valid string or a list of content blocks, not \(other.typeName)")
                }
                message.toolCallID = id
                toolMessages.append(message)
            case "tool_use", "thinking", "redacted_thinking":
                throw invalid("\(blockPath).type", "'\(try block.requiredString("type", at: blockPath))' blocks are only allowed in assistant messages")
            case let type:
                throw unknownBlock(type, path: "\(blockPath).type", expected: userBlockTypes)
            }
        }
        if parts.isEmpty { return toolMessages }
        return toolMessages + [ChatMessage(role: .user, content: parts)]
    }

    private static func decodeAssistantBlocks(
        _ blocks: [JSON], path: String, toolUseIDs: inout Set<String>
    ) throws(GatewayError) -> ChatMessage {
        var parts: [ContentPart] = []
        var toolCalls: [ToolCall] = []
        for (index, raw) in blocks.enumerated() {
            let blockPath = "\(path).\(index)"
            let block = try raw.requireObject(at: blockPath)
            switch try block.requiredString("type", at: blockPath) {
            case "text":
                parts.append(.text(try block.requiredString("text", at: blockPath)))
            case "tool_use":
                let id = try block.requiredString("id", at: blockPath)
                let name = try block.requiredString("name", at: blockPath)
                let input = try block.requiredObject("input", at: blockPath)
                toolUseIDs.insert(id)
                toolCalls.append(ToolCall(id: id, name: name, arguments: JSON.object(input).text))
            case "thinking", "redacted_thinking":
                continue  // earlier reasoning, sent back by clients; no canonical place for it
            case "tool_result", "image", "document":
                let type = try block.requiredString("type", at: blockPath)
                throw invalid("\(blockPath).type", "'\(type)' blocks are only allowed in user messages")
            case let type:
                throw unknownBlock(type, path: "\(blockPath).type", expected: assistantBlockTypes)
            }
        }
        var message = ChatMessage(role: .assistant, content: parts)
        message.toolCalls = toolCalls
        return message
    }

    /// A `tool_result`'s block content: text and images only.
    private static func decodeToolResultBlocks(_ blocks: [JSON], path: String) throws(GatewayError) -> [ContentPart] {
        var parts: [ContentPart] = []
        for (index, raw) in blocks.enumerated() {
            let blockPath = "\(path).\(index)"
            let block = try raw.requireObject(at: blockPath)
            switch try block.requiredString("type", at: blockPath) {
            case "text": parts.append(.text(try block.requiredString("text", at: blockPath)))
            case "image": parts.append(.image(try decodeImage(block, path: blockPath)))
            case "document": parts.append(try decodeDocument(block, path: blockPath))
            case let type: throw unknownBlock(type, path: "\(blockPath).type", expected: ["text", "image", "document"])
            }
        }
        return parts
    }

    private static let userBlockTypes = ["text", "image", "document", "tool_result"]
    private static let assistantBlockTypes = ["text", "tool_use", "thinking", "redacted_thinking"]
    private static let imageMediaTypes: Set = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    /// `{"type":"image","source":{"type":"base64","media_type","data"} | {"type":"url","url"}}`.
    private static func decodeImage(_ block: JSONObject, path: String) throws(GatewayError) -> ImageSource {
        let sourcePath = "\(path).source"
        let source = try block.requiredObject("source", at: path)
        switch try source.requiredString("type", at: sourcePath) {
        case "base64":
            let mediaType = try source.requiredString("media_type", at: sourcePath)
            guard imageMediaTypes.contains(mediaType) else {
                throw invalid(
                    "\(sourcePath).media_type", "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'")
            }
            let data = try source.requiredString("data", at: sourcePath)
            return ImageSource(url: "data:\(mediaType);base64,\(data)")
        case "url":
            return ImageSource(url: try source.requiredString("url", at: sourcePath))
        case let type:
            throw invalid("\(sourcePath).type", "Input tag '\(type)' does not match any of the expected tags: 'base64', 'url'")
        }
    }

    /// A `document` block: a base64 PDF becomes an OpenAI-style `file` part
    /// (`{"filename"?, "file_data": "data:application/pdf;base64,…"}`), a plain-text source a text part.
    private static func decodeDocument(_ block: JSONObject, path: String) throws(GatewayError) -> ContentPart {
        let sourcePath = "\(path).source"
        let source = try block.requiredObject("source", at: path)
        switch try source.requiredString("type", at: sourcePath) {
        case "base64":
            let mediaType = try source.requiredString("media_type", at: sourcePath)
            guard mediaType == "application/pdf" else {
                throw invalid("\(sourcePath).media_type", "Input should be 'application/pdf'")
            }
            let data = try source.requiredString("data", at: sourcePath)
            var file: JSONObject = [:]
            if let title = try block.string("title", at: path) { file["filename"] = .string(title) }
            file["file_data"] = .string("data:application/pdf;base64,\(data)")
            return .file(.object(file))
        case "text":
            return .text(try source.requiredString("data", at: sourcePath))
        case let type:
            throw invalid("\(sourcePath).type", "document source type '\(type)' is not supported by this gateway; use 'base64' or 'text'")
        }
    }

    // MARK: - Tools

    /// A custom tool, `{"name","description"?,"input_schema"}`. Anthropic's server tools (a `type`
    /// such as `web_search_20250305`) run inside Anthropic and cannot be offered to other models.
    private static func decodeTool(_ raw: JSON, path: String) throws(GatewayError) -> ToolDefinition {
        let tool = try raw.requireObject(at: path)
        if let type = try tool.string("type", at: path), type != "custom" {
            throw invalid("\(path).type", "tool type '\(type)' is not supported by this gateway; only custom tools are")
        }
        let name = try tool.requiredString("name", at: path)
        let description = try tool.string("description", at: path)
        let schema = try tool.requiredObject("input_schema", at: path)
        return ToolDefinition(name: name, description: description, parameters: .object(schema))
    }

    /// `{"type":"auto"|"any"|"tool"|"none","name"?,"disable_parallel_tool_use"?}`.
    private static func decodeToolChoice(_ choice: JSONObject, into request: inout ChatRequest) throws(GatewayError) {
        switch try choice.requiredString("type", at: "tool_choice") {
        case "auto": request.toolChoice = .auto
        case "any": request.toolChoice = .required
        case "none": request.toolChoice = ToolChoice.none
        case "tool": request.toolChoice = .function(try choice.requiredString("name", at: "tool_choice"))
        case let type:
            throw invalid("tool_choice.type", "Input tag '\(type)' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'")
        }
        if try choice.bool("disable_parallel_tool_use", at: "tool_choice") == true {
            request.parallelToolCalls = false
        }
    }

    // MARK: - Errors

    /// An invalid-request error whose message starts with the path, as Anthropic's do.
    private static func invalid(_ path: String, _ detail: String) -> GatewayError {
        .invalidRequest("\(path): \(detail)", param: path)
    }

    private static func unknownBlock(_ type: String, path: String, expected: [String]) -> GatewayError {
        let list = expected.map { "'\($0)'" }.joined(separator: ", ")
        return invalid(path, "Input tag '\(type)' found using 'type' does not match any of the expected tags: \(list)")
    }
}
