import AjarCore

// MARK: - Request: canonical → wire (what the provider sends)

extension OpenAIWire {
    /// Encodes a canonical request as an OpenAI `chat/completions` body.
    /// - Parameter maxTokensField: `max_completion_tokens` (OpenAI itself) or `max_tokens`
    ///   (what most OpenAI-compatible servers read).
    package static func encodeRequest(_ request: ChatRequest, maxTokensField: String = "max_tokens") -> JSON {
        var body = JSONObject()
        body["model"] = .string(request.model)
        body["messages"] = .array(request.messages.map(encodeMessage))
        if !request.tools.isEmpty {
            body["tools"] = .array(request.tools.map(encodeTool))
        }
        if let choice = request.toolChoice {
            switch choice {
            case .auto: body["tool_choice"] = "auto"
            case .none: body["tool_choice"] = "none"
            case .required: body["tool_choice"] = "required"
            case .function(let name): body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
            }
        }
        if let parallel = request.parallelToolCalls { body["parallel_tool_calls"] = .bool(parallel) }
        if let format = request.responseFormat {
            switch format {
            case .text: body["response_format"] = ["type": "text"]
            case .jsonObject: body["response_format"] = ["type": "json_object"]
            case .jsonSchema(let name, let description, let schema, let strict):
                var spec: JSONObject = ["name": .string(name)]
                if let description { spec["description"] = .string(description) }
                if let schema { spec["schema"] = schema }
                if let strict { spec["strict"] = .bool(strict) }
                body["response_format"] = ["type": "json_schema", "json_schema": .object(spec)]
            }
        }
        if let maxTokens = request.maxTokens { body[maxTokensField] = JSON(maxTokens) }
        if let value = request.temperature { body["temperature"] = JSON(value) }
        if let value = request.topP { body["top_p"] = JSON(value) }
        if let value = request.n { body["n"] = JSON(value) }
        if request.stop.count == 1 {
            body["stop"] = .string(request.stop[0])
        } else if !request.stop.isEmpty {
            body["stop"] = .array(request.stop.map(JSON.string))
        }
        if let value = request.seed { body["seed"] = .int(value) }
        if let value = request.presencePenalty { body["presence_penalty"] = JSON(value) }
        if let value = request.frequencyPenalty { body["frequency_penalty"] = JSON(value) }
        if let value = request.logprobs { body["logprobs"] = .bool(value) }
        if let value = request.topLogprobs { body["top_logprobs"] = JSON(value) }
        if let value = request.user { body["user"] = .string(value) }
        if request.stream {
            body["stream"] = true
            // Always ask for usage: the gateway needs it for accounting even when the client does not.
            body["stream_options"] = ["include_usage": true]
        }
        for (key, value) in request.extra where body[key] == nil {
            body[key] = value
        }
        return .object(body)
    }

    static func encodeMessage(_ message: ChatMessage) -> JSON {
        var object: JSONObject = ["role": .string(message.role.rawValue)]
        if message.role == .assistant, message.content.isEmpty {
            object["content"] = .null
        } else if message.contentIsString, message.content.count == 1, case .text(let text) = message.content[0] {
            object["content"] = .string(text)
        } else {
            object["content"] = .array(message.content.map(encodePart))
        }
        if let name = message.name { object["name"] = .string(name) }
        if let refusal = message.refusal { object["refusal"] = .string(refusal) }
        if !message.toolCalls.isEmpty {
            object["tool_calls"] = .array(message.toolCalls.map(encodeToolCall))
        }
        if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
        return .object(object)
    }

    static func encodePart(_ part: ContentPart) -> JSON {
        switch part {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .image(let image):
            var spec: JSONObject = ["url": .string(image.url)]
            if let detail = image.detail { spec["detail"] = .string(detail) }
            return ["type": "image_url", "image_url": .object(spec)]
        case .audio(let data, let format):
            return ["type": "input_audio", "input_audio": ["data": .string(data), "format": .string(format)]]
        case .file(let file):
            return ["type": "file", "file": file]
        }
    }

    package static func encodeToolCall(_ call: ToolCall) -> JSON {
        [
            "id": .string(call.id), "type": "function",
            "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
        ]
    }

    static func encodeTool(_ tool: ToolDefinition) -> JSON {
        var function: JSONObject = ["name": .string(tool.name)]
        if let description = tool.description { function["description"] = .string(description) }
        if let parameters = tool.parameters { function["parameters"] = parameters }
        if let strict = tool.strict { function["strict"] = .bool(strict) }
        return ["type": "function", "function": .object(function)]
    }
}

// MARK: - Request: wire → canonical (what a client sends to Ajar's OpenAI dialect)

extension OpenAIWire {
    /// Fields this decoder reads; anything else is carried in ``ChatRequest/extra``.
    static let knownRequestKeys: Set<String> = [
        "model", "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "max_tokens",
        "max_completion_tokens", "temperature", "top_p", "n", "stop", "seed", "presence_penalty",
        "frequency_penalty", "logprobs", "top_logprobs", "user", "stream", "stream_options", "top_k",
    ]

    /// Decodes and validates a `chat/completions` request body, as OpenAI validates it.
    /// - Throws: ``GatewayError/invalidRequest(_:param:)`` naming the offending parameter.
    package static func decodeRequest(_ json: JSON) throws(GatewayError) -> ChatRequest {
        let body = try json.requireObject(at: "body")
        let model = try body.requiredString("model", at: "")
        let wireMessages = try body.requiredArray("messages", at: "")
        guard !wireMessages.isEmpty else {
            throw .invalidRequest("'messages' must contain at least one message.", param: "messages")
        }
        var messages: [ChatMessage] = []
        messages.reserveCapacity(wireMessages.count)
        for (index, message) in wireMessages.enumerated() {
            messages.append(try decodeMessage(message, at: "messages[\(index)]"))
        }
        var request = ChatRequest(model: model, messages: messages)

        if let tools = try body.array("tools", at: "") {
            for (index, tool) in tools.enumerated() {
                request.tools.append(try decodeTool(tool, at: "tools[\(index)]"))
            }
        }
        if let choice = body["tool_choice"], !choice.isNull {
            request.toolChoice = try decodeToolChoice(choice)
        }
        request.parallelToolCalls = try body.bool("parallel_tool_calls", at: "")
        if let format = try body.object("response_format", at: "") {
            request.responseFormat = try decodeResponseFormat(format)
        }
        let maxCompletion = try body.int("max_completion_tokens", at: "")
        let maxTokens = try body.int("max_tokens", at: "")
        if let limit = maxCompletion ?? maxTokens {
            guard limit >= 1 else {
                let param = maxCompletion != nil ? "max_completion_tokens" : "max_tokens"
                throw .invalidRequest("Invalid '\(param)': integer below minimum value of 1.", param: param)
            }
            request.maxTokens = limit
        }
        request.temperature = try ranged(body, "temperature", 0...2)
        request.topP = try ranged(body, "top_p", 0...1)
        request.presencePenalty = try ranged(body, "presence_penalty", -2...2)
        request.frequencyPenalty = try ranged(body, "frequency_penalty", -2...2)
        request.topK = try body.int("top_k", at: "")
        if let n = try body.int("n", at: "") {
            guard (1...128).contains(n) else {
                throw .invalidRequest("Invalid 'n': must be between 1 and 128.", param: "n")
            }
            request.n = n
        }
        request.stop = try decodeStop(body["stop"])
        if let seed = body["seed"], !seed.isNull {
            switch seed {
            case .int(let value): request.seed = value
            case .double(let value) where value == value.rounded() && abs(value) < 9.2e18:
                request.seed = Int64(value)
            default:
                throw .invalidRequest(
                    "Invalid type for 'seed': expected an integer, but got \(seed.typeName).", param: "seed")
            }
        }
        request.logprobs = try body.bool("logprobs", at: "")
        if let top = try body.int("top_logprobs", at: "") {
            guard (0...20).contains(top) else {
                throw .invalidRequest("Invalid 'top_logprobs': must be between 0 and 20.", param: "top_logprobs")
            }
            request.topLogprobs = top
        }
        request.user = try body.string("user", at: "")
        request.stream = try body.bool("stream", at: "") ?? false
        if let options = try body.object("stream_options", at: "") {
            request.includeUsage = try options.bool("include_usage", at: "stream_options") ?? false
        }
        for (key, value) in body where !knownRequestKeys.contains(key) {
            request.extra.append(key, value)
        }
        return request
    }

    private static func ranged(
        _ body: JSONObject, _ key: String, _ range: ClosedRange<Double>
    ) throws(GatewayError) -> Double? {
        guard let value = try body.double(key, at: "") else { return nil }
        guard range.contains(value) else {
            throw .invalidRequest(
                "Invalid '\(key)': must be between \(range.lowerBound) and \(range.upperBound).", param: key)
        }
        return value
    }

    static func decodeStop(_ json: JSON?) throws(GatewayError) -> [String] {
        switch json {
        case nil, .null?: return []
        case .string(let stop)?: return [stop]
        case .array(let values)?:
            var stops: [String] = []
            for (index, value) in values.enumerated() {
                guard let stop = value.stringValue else {
                    throw .invalidRequest(
                        "Invalid type for 'stop[\(index)]': expected a string, but got \(value.typeName).",
                        param: "stop[\(index)]")
                }
                stops.append(stop)
            }
            return stops
        case let other?:
            throw .invalidRequest(
                "Invalid type for 'stop': expected a string or an array of strings, but got \(other.typeName).",
                param: "stop")
        }
    }

    static func decodeMessage(_ json: JSON, at path: String) throws(GatewayError) -> ChatMessage {
        let object = try json.requireObject(at: path)
        let roleName = try object.requiredString("role", at: path)
        let role: ChatMessage.Role
        switch roleName {
        case "function": role = .tool  // the legacy name for tool results
        default:
            guard let known = ChatMessage.Role(rawValue: roleName) else {
                throw .invalidRequest(
                    "Invalid value: '\(roleName)'. Supported values are: 'system', 'developer', 'user', 'assistant', and 'tool'.",
                    param: "\(path).role")
            }
            role = known
        }
        var message: ChatMessage
        switch object["content"] {
        case .string(let text)?:
            message = ChatMessage(role: role, text: text)
        case .array(let parts)?:
            var content: [ContentPart] = []
            content.reserveCapacity(parts.count)
            for (index, part) in parts.enumerated() {
                if let decoded = try decodePart(part, at: "\(path).content[\(index)]") { content.append(decoded) }
            }
            message = ChatMessage(role: role, content: content)
        case nil, .null?:
            guard role == .assistant else {
                throw .invalidRequest("Missing required parameter: '\(path).content'.", param: "\(path).content")
            }
            message = ChatMessage(role: role, content: [])
        case let other?:
            throw .invalidRequest(
                "Invalid type for '\(path).content': expected a string or an array of content parts, but got \(other.typeName).",
                param: "\(path).content")
        }
        message.name = try object.string("name", at: path)
        message.refusal = try object.string("refusal", at: path)
        if let calls = try object.array("tool_calls", at: path) {
            for (index, call) in calls.enumerated() {
                message.toolCalls.append(try decodeToolCall(call, at: "\(path).tool_calls[\(index)]"))
            }
        }
        if role == .tool {
            message.toolCallID = try object.string("tool_call_id", at: path)
            if roleName == "tool", message.toolCallID == nil {
                throw .invalidRequest(
                    "Missing required parameter: '\(path).tool_call_id'.", param: "\(path).tool_call_id")
            }
        }
        return message
    }

    static func decodePart(_ json: JSON, at path: String) throws(GatewayError) -> ContentPart? {
        let object = try json.requireObject(at: path)
        let type = try object.requiredString("type", at: path)
        switch type {
        case "text", "input_text":
            return .text(try object.requiredString("text", at: path))
        case "image_url":
            let image: ImageSource
            switch object["image_url"] {
            case .string(let url)?: image = ImageSource(url: url)
            case .object(let spec)?:
                let subpath = "\(path).image_url"
                image = ImageSource(
                    url: try spec.requiredString("url", at: subpath), detail: try spec.string("detail", at: subpath))
            default:
                throw .invalidRequest("Missing required parameter: '\(path).image_url'.", param: "\(path).image_url")
            }
            return .image(image)
        case "input_audio":
            let audio = try object.requiredObject("input_audio", at: path)
            let subpath = "\(path).input_audio"
            return .audio(
                data: try audio.requiredString("data", at: subpath), format: try audio.requiredString("format", at: subpath))
        case "file":
            return .file(.object(try object.requiredObject("file", at: path)))
        case "refusal":
            return nil  // an assistant's earlier refusal: no content to pass on
        default:
            throw .invalidRequest(
                "Invalid value: '\(type)'. Supported values are: 'text', 'image_url', 'input_audio', 'file' and 'refusal'.",
                param: "\(path).type")
        }
    }

    static func decodeToolCall(_ json: JSON, at path: String) throws(GatewayError) -> ToolCall {
        let object = try json.requireObject(at: path)
        let function = try object.requiredObject("function", at: path)
        let subpath = "\(path).function"
        return ToolCall(
            id: try object.requiredString("id", at: path),
            name: try function.requiredString("name", at: subpath),
            arguments: try function.string("arguments", at: subpath) ?? "{}")
    }

    static func decodeTool(_ json: JSON, at path: String) throws(GatewayError) -> ToolDefinition {
        let object = try json.requireObject(at: path)
        let type = try object.string("type", at: path) ?? "function"
        guard type == "function" else {
            throw .invalidRequest(
                "Invalid value: '\(type)'. Supported values are: 'function'.", param: "\(path).type")
        }
        let function = try object.requiredObject("function", at: path)
        let subpath = "\(path).function"
        let name = try function.requiredString("name", at: subpath)
        guard !name.isEmpty, name.count <= 64,
            name.utf8.allSatisfy({ $0 == 0x5F || $0 == 0x2D || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || (0x30...0x39).contains($0) })
        else {
            throw .invalidRequest(
                "Invalid '\(subpath).name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                param: "\(subpath).name")
        }
        var parameters: JSON?
        if let value = function["parameters"], !value.isNull {
            guard case .object = value else {
                throw .invalidRequest(
                    "Invalid type for '\(subpath).parameters': expected an object, but got \(value.typeName).",
                    param: "\(subpath).parameters")
            }
            parameters = value
        }
        return ToolDefinition(
            name: name, description: try function.string("description", at: subpath), parameters: parameters,
            strict: try function.bool("strict", at: subpath))
    }

    static func decodeToolChoice(_ json: JSON) throws(GatewayError) -> ToolChoice {
        switch json {
        case .string("auto"): return .auto
        case .string("none"): return .none
        case .string("required"): return .required
        case .object(let object):
            let function = try object.requiredObject("function", at: "tool_choice")
            return .function(try function.requiredString("name", at: "tool_choice.function"))
        default:
            throw .invalidRequest(
                "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a named function.",
                param: "tool_choice")
        }
    }

    static func decodeResponseFormat(_ object: JSONObject) throws(GatewayError) -> ResponseFormat {
        let type = try object.requiredString("type", at: "response_format")
        switch type {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            let spec = try object.requiredObject("json_schema", at: "response_format")
            let path = "response_format.json_schema"
            var schema: JSON?
            if let value = spec["schema"], !value.isNull {
                guard case .object = value else {
                    throw .invalidRequest(
                        "Invalid type for '\(path).schema': expected an object, but got \(value.typeName).",
                        param: "\(path).schema")
                }
                schema = value
            }
            return .jsonSchema(
                name: try spec.requiredString("name", at: path), description: try spec.string("description", at: path),
                schema: schema, strict: try spec.bool("strict", at: path))
        default:
            throw .invalidRequest(
                "Invalid value: '\(type)'. Supported values are: 'text', 'json_object' and 'json_schema'.",
                param: "response_format.type")
        }
    }
}
