import AjarCore

// MARK: - Canonical request → Anthropic request

extension AnthropicProvider {
    /// Builds the Anthropic request body for a canonical request.
    ///
    /// - `system` and `developer` messages, wherever they stand, become the top-level `system`
    ///   (a string for one text, text blocks for several).
    /// - `tool` messages become `tool_result` blocks in a `user` message; an assistant's tool calls
    ///   become `tool_use` blocks whose `input` is the parsed arguments.
    /// - Consecutive messages of one role are merged, since Anthropic requires user and assistant
    ///   turns to alternate. Empty text parts are dropped (Anthropic rejects empty text blocks).
    /// - `seed`, penalties and `logprobs` have no Anthropic equivalent and are dropped; `n > 1`
    ///   cannot be served and throws. `temperature` is clamped to Anthropic's range, 0…1.
    /// - Anthropic has no JSON mode in this API version: a `json_object`/`json_schema` response
    ///   format becomes a system instruction asking for JSON only (with the schema text, if any).
    ///   The answer is then JSON by instruction, not by construction.
    ///
    /// - Throws: ``ProviderError/unsupported(_:)`` for `n > 1` and for content Anthropic cannot
    ///   take (audio, non-PDF files); ``GatewayError/invalidRequest(_:param:)`` for tool-call
    ///   arguments that are not a JSON object, or a tool message without `tool_call_id`.
    package static func makeRequestBody(_ request: ChatRequest, defaultMaxTokens: Int, stream: Bool) throws -> JSON {
        if let n = request.n, n > 1 {
            throw ProviderError.unsupported("Anthropic cannot generate several choices (n = \(n))")
        }
        var systemTexts: [String] = []
        var turns: [(role: String, blocks: [JSON])] = []

        func append(role: String, blocks: [JSON]) {
            guard !blocks.isEmpty else { return }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }

        for (index, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer:
                for case .text(let text) in message.content where !text.isEmpty { systemTexts.append(text) }
            case .user:
                append(role: "user", blocks: try contentBlocks(message.content, at: index))
            case .assistant:
                var blocks = try contentBlocks(message.content, at: index)
                if let refusal = message.refusal, !refusal.isEmpty, blocks.isEmpty {
                    blocks.append(["type": "text", "text": .string(refusal)])
                }
                for (callIndex, call) in message.toolCalls.enumerated() {
                    let input = try toolInput(call.arguments, param: "messages[\(index)].tool_calls[\(callIndex)].function.arguments")
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
                }
                append(role: "assistant", blocks: blocks)
            case .tool:
                guard let toolCallID = message.toolCallID else {
                    throw GatewayError.invalidRequest(
                        "A tool message needs the 'tool_call_id' of the call it answers.",
                        param: "messages[\(index)].tool_call_id")
                }
                append(role: "user", blocks: [try toolResult(message, toolUseID: toolCallID, at: index)])
            }
        }

        if let instruction = jsonInstruction(request.responseFormat) { systemTexts.append(instruction) }

        var body: JSONObject = ["model": .string(request.model), "max_tokens": JSON(request.maxTokens ?? defaultMaxTokens)]
        if systemTexts.count == 1 {
            body["system"] = .string(systemTexts[0])
        } else if !systemTexts.isEmpty {
            body["system"] = .array(systemTexts.map { ["type": "text", "text": .string($0)] })
        }
        body["messages"] = .array(turns.map(messageJSON))
        if !request.stop.isEmpty { body["stop_sequences"] = .array(request.stop.map(JSON.string)) }
        if let temperature = request.temperature { body["temperature"] = JSON(min(max(temperature, 0), 1)) }
        if let topP = request.topP { body["top_p"] = JSON(topP) }
        if let topK = request.topK { body["top_k"] = JSON(topK) }
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map(toolJSON))
            if let toolChoice = toolChoiceJSON(request.toolChoice, parallelToolCalls: request.parallelToolCalls) {
                body["tool_choice"] = toolChoice
            }
        }
        if let user = request.user, !user.isEmpty { body["metadata"] = ["user_id": .string(user)] }
        if stream { body["stream"] = true }
        return .object(body)
    }

    /// A turn as Anthropic JSON: a lone text block is written as plain string content.
    private static func messageJSON(_ turn: (role: String, blocks: [JSON])) -> JSON {
        if turn.blocks.count == 1, turn.blocks[0]["type"] == "text", let text = turn.blocks[0]["text"] {
            return ["role": .string(turn.role), "content": text]
        }
        return ["role": .string(turn.role), "content": .array(turn.blocks)]
    }

    /// Text and image parts as Anthropic content blocks.
    private static func contentBlocks(_ parts: [ContentPart], at index: Int) throws -> [JSON] {
        var blocks: [JSON] = []
        for part in parts {
            switch part {
            case .text(let text):
                if !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
            case .image(let image):
                blocks.append(["type": "image", "source": imageSource(image)])
            case .audio:
                throw ProviderError.unsupported("Anthropic does not accept audio input (messages[\(index)])")
            case .file(let file):
                blocks.append(try documentBlock(file, at: index))
            }
        }
        return blocks
    }

    /// A `data:` URL becomes a base64 source, anything else a URL source.
    private static func imageSource(_ image: ImageSource) -> JSON {
        if let inline = image.inlineData {
            return ["type": "base64", "media_type": .string(inline.mediaType), "data": .string(inline.base64)]
        }
        return ["type": "url", "url": .string(image.url)]
    }

    /// An OpenAI `file` part holding an inline PDF (`file_data` as a `data:` URL) becomes a
    /// `document` block; file ids and other media cannot be sent to Anthropic.
    private static func documentBlock(_ file: JSON, at index: Int) throws -> JSON {
        let fileData = file["file_data"]?.stringValue ?? file["file"]?["file_data"]?.stringValue
        if let fileData, let inline = ImageSource(url: fileData).inlineData, inline.mediaType == "application/pdf" {
            return [
                "type": "document",
                "source": ["type": "base64", "media_type": "application/pdf", "data": .string(inline.base64)],
            ]
        }
        throw ProviderError.unsupported("Anthropic accepts only inline PDF files (messages[\(index)])")
    }

    /// A `tool` message as a `tool_result` block: string content for plain text, blocks otherwise.
    private static func toolResult(_ message: ChatMessage, toolUseID: String, at index: Int) throws -> JSON {
        var result: JSONObject = ["type": "tool_result", "tool_use_id": .string(toolUseID)]
        let onlyText = message.content.allSatisfy { if case .text = $0 { true } else { false } }
        if onlyText {
            result["content"] = .string(message.text)
        } else {
            result["content"] = .array(try contentBlocks(message.content, at: index))
        }
        return .object(result)
    }

    /// Parses tool-call arguments into the object Anthropic wants as `input` (empty text → `{}`).
    private static func toolInput(_ arguments: String, param: String) throws(GatewayError) -> JSON {
        if arguments.allSatisfy(\.isWhitespace) { return [:] }
        guard let input = try? JSONParser.parse(arguments), input.objectValue != nil else {
            throw .invalidRequest("Tool-call arguments must be a JSON object.", param: param)
        }
        return input
    }

    private static func toolJSON(_ tool: ToolDefinition) -> JSON {
        var object: JSONObject = ["name": .string(tool.name)]
        if let description = tool.description { object["description"] = .string(description) }
        object["input_schema"] = tool.parameters ?? ["type": "object"]
        return .object(object)
    }

    /// `auto` → `auto`, `required` → `any`, a function → `tool` with its name, `none` → `none`;
    /// `parallel_tool_calls: false` adds `disable_parallel_tool_use: true`.
    private static func toolChoiceJSON(_ choice: ToolChoice?, parallelToolCalls: Bool?) -> JSON? {
        var object: JSONObject
        switch choice {
        case nil:
            guard parallelToolCalls == false else { return nil }
            object = ["type": "auto"]
        case .auto: object = ["type": "auto"]
        case .required: object = ["type": "any"]
        case .function(let name): object = ["type": "tool", "name": .string(name)]
        case ToolChoice.none?: return ["type": "none"]
        }
        if parallelToolCalls == false { object["disable_parallel_tool_use"] = true }
        return .object(object)
    }

    /// The system instruction standing in for JSON mode (see ``makeRequestBody(_:defaultMaxTokens:stream:)``).
    private static func jsonInstruction(_ format: ResponseFormat?) -> String? {
        switch format {
        case nil, .text:
            return nil
        case .jsonObject:
            return "Respond with a single valid JSON object and nothing else: no prose, no code fences."
        case .jsonSchema(let name, let description, let schema, _):
            var text = "Respond with a single valid JSON object and nothing else: no prose, no code fences. "
            text += "It must conform to the JSON schema named '\(name)'"
            if let description, !description.isEmpty { text += " (\(description))" }
            if let schema { text += ":\n\(schema.text)" } else { text += "." }
            return text
        }
    }
}

// MARK: - Anthropic response → canonical response

extension AnthropicProvider {
    /// Maps an Anthropic `message` object to a canonical response with one choice: text blocks
    /// joined into the content, `tool_use` blocks as tool calls (arguments = the compact JSON of
    /// `input`); `thinking` and server-tool blocks have no canonical place and are dropped.
    /// - Parameter created: Unix seconds (Anthropic's answer carries no timestamp).
    /// - Throws: ``ProviderError/malformedResponse(_:)`` if the body is not a `message` object.
    package static func makeResponse(_ json: JSON, created: Int) throws(ProviderError) -> ChatResponse {
        guard let object = json.objectValue, let blocks = object["content"]?.arrayValue else {
            throw .malformedResponse("Anthropic answer has no 'content' array")
        }
        var text = ""
        var toolCalls: [ToolCall] = []
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text":
                text += block["text"]?.stringValue ?? ""
            case "tool_use":
                guard let id = block["id"]?.stringValue, let name = block["name"]?.stringValue else {
                    throw .malformedResponse("Anthropic tool_use block without id or name")
                }
                toolCalls.append(ToolCall(id: id, name: name, arguments: (block["input"] ?? [:]).text))
            default:
                continue
            }
        }
        var message = ChatMessage(role: .assistant, content: text.isEmpty && !toolCalls.isEmpty ? [] : [.text(text)], contentIsString: true)
        message.toolCalls = toolCalls
        let finish = AnthropicWire.finishReason(
            stopReason: object["stop_reason"]?.stringValue, stopSequence: object["stop_sequence"]?.stringValue)
        var response = ChatResponse(
            id: object["id"]?.stringValue ?? "",
            model: object["model"]?.stringValue ?? "",
            created: created,
            choices: [ChatChoice(index: 0, message: message, finishReason: finish)])
        if let usage = object["usage"] {
            response.usage = AnthropicWire.usage(
                inputTokens: usage["input_tokens"]?.intValue ?? 0,
                outputTokens: usage["output_tokens"]?.intValue ?? 0,
                cacheReadTokens: usage["cache_read_input_tokens"]?.intValue,
                cacheCreationTokens: usage["cache_creation_input_tokens"]?.intValue)
        }
        return response
    }
}
