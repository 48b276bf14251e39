import AjarCore
import Foundation

// MARK: - Request: canonical → GenerateContentRequest

extension GeminiProvider {
    /// The `GenerateContentRequest` body for a canonical request (the model goes in the URL).
    ///
    /// - system and developer messages → `systemInstruction` (their text, in order);
    /// - user → `user`, assistant → `model` (text and `functionCall` parts), tool → `user` with a
    ///   `functionResponse` part named after the call it answers; consecutive contents of one
    ///   role are merged, as Gemini wants the answers to parallel calls in one content;
    /// - tools → one `functionDeclarations` tool, schemas reduced by ``GeminiWire/geminiSchema(_:)``;
    /// - sampling fields → `generationConfig`.
    ///
    /// - Throws: ``GatewayError/invalidRequest(_:param:)`` naming the message for tool-call
    ///   arguments that are not a JSON object, tool messages that answer no earlier call, and
    ///   content Gemini cannot take (file ids).
    package static func makeRequestBody(_ request: ChatRequest) throws(GatewayError) -> JSON {
        var body = JSONObject()
        var system: [JSON] = []
        var contents: [(role: String, parts: [JSON])] = []

        for (index, message) in request.messages.enumerated() {
            let path = "messages[\(index)]"
            let role: String
            var parts: [JSON] = []
            switch message.role {
            case .system, .developer:
                let text = message.text
                if !text.isEmpty { system.append(["text": .string(text)]) }
                continue
            case .user:
                role = "user"
                parts = try contentParts(message.content, at: path)
            case .assistant:
                role = "model"
                parts = try contentParts(message.content, at: path)
                for (callIndex, call) in message.toolCalls.enumerated() {
                    parts.append(try functionCallPart(call, at: "\(path).tool_calls[\(callIndex)]"))
                }
            case .tool:
                role = "user"
                parts = [try functionResponsePart(message, index: index, in: request.messages)]
            }
            guard !parts.isEmpty else { continue }
            if let last = contents.last, last.role == role {
                contents[contents.count - 1].parts += parts
            } else {
                contents.append((role, parts))
            }
        }

        body["contents"] = .array(contents.map { ["role": .string($0.role), "parts": .array($0.parts)] })
        if !system.isEmpty { body["systemInstruction"] = ["parts": .array(system)] }
        if !request.tools.isEmpty {
            body["tools"] = [["functionDeclarations": .array(request.tools.map(functionDeclaration))]]
            if let toolChoice = request.toolChoice { body["toolConfig"] = toolConfig(toolChoice) }
        }
        let generationConfig = generationConfig(request)
        if !generationConfig.isEmpty { body["generationConfig"] = .object(generationConfig) }
        return .object(body)
    }

    /// Text, images, audio and files of a message as Gemini parts; empty text is left out.
    private static func contentParts(_ content: [ContentPart], at path: String) throws(GatewayError) -> [JSON] {
        var parts: [JSON] = []
        for (index, part) in content.enumerated() {
            switch part {
            case .text(let text):
                if !text.isEmpty { parts.append(["text": .string(text)]) }
            case .image(let image):
                parts.append(mediaPart(url: image.url, defaultMimeType: "image/jpeg"))
            case .audio(let data, let format):
                parts.append(["inlineData": ["mimeType": .string("audio/\(format)"), "data": .string(data)]])
            case .file(let file):
                parts.append(try filePart(file, at: "\(path).content[\(index)]"))
            }
        }
        return parts
    }

    /// A `data:` URL → `inlineData`; any other URL → `fileData`, its type guessed from the extension.
    private static func mediaPart(url: String, defaultMimeType: String) -> JSON {
        if let inline = ImageSource(url: url).inlineData {
            return ["inlineData": ["mimeType": .string(inline.mediaType), "data": .string(inline.base64)]]
        }
        let mimeType = mimeType(forPath: url) ?? defaultMimeType
        return ["fileData": ["mimeType": .string(mimeType), "fileUri": .string(url)]]
    }

    /// An OpenAI `file` part (`{"file": {"file_data" | "file_id", "filename"}}`).
    private static func filePart(_ file: JSON, at path: String) throws(GatewayError) -> JSON {
        let object = file["file"]?.objectValue ?? file.objectValue ?? [:]
        let filename = object["filename"]?.stringValue
        if let data = object["file_data"]?.stringValue {
            if data.hasPrefix("data:") { return mediaPart(url: data, defaultMimeType: "application/pdf") }
            let mimeType = filename.flatMap(mimeType(forPath:)) ?? "application/pdf"
            return ["inlineData": ["mimeType": .string(mimeType), "data": .string(data)]]
        }
        // Gemini takes files by URI (its Files API, Cloud Storage); OpenAI file ids mean nothing to it.
        if let id = object["file_id"]?.stringValue, id.hasPrefix("https://") || id.hasPrefix("gs://") {
            return mediaPart(url: id, defaultMimeType: filename.flatMap(mimeType(forPath:)) ?? "application/pdf")
        }
        throw .invalidRequest("Gemini models take files as inline data or by URI, not by file id.", param: path)
    }

    /// The media type for a URL's or file name's extension, if it is a common one.
    static func mimeType(forPath path: String) -> String? {
        let withoutQuery = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let name = withoutQuery.split(separator: "#", maxSplits: 1).first.map(String.init) ?? withoutQuery
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "jpg", "jpeg": return "image/jpeg"
        case "png": return "image/png"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "heic": return "image/heic"
        case "heif": return "image/heif"
        case "pdf": return "application/pdf"
        case "txt": return "text/plain"
        case "wav": return "audio/wav"
        case "mp3": return "audio/mp3"
        case "flac": return "audio/flac"
        case "ogg": return "audio/ogg"
        case "mp4": return "video/mp4"
        case "mov": return "video/mov"
        case "webm": return "video/webm"
        default: return nil
        }
    }

    /// An assistant's tool call → a `functionCall` part (with its thought signature, if the call id
    /// carries one; see ``GeminiWire/toolCallID(number:thoughtSignature:)``).
    private static func functionCallPart(_ call: ToolCall, at path: String) throws(GatewayError) -> JSON {
        let param = "\(path).function.arguments"
        var args = JSON.object([:])
        if !call.arguments.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            guard let parsed = try? JSONParser.parse(call.arguments), parsed.objectValue != nil else {
                throw .invalidRequest(
                    "The arguments of tool call '\(call.id)' in \(path.prefix { $0 != "." }) are not a JSON object.",
                    param: param)
            }
            args = parsed
        }
        var part: JSONObject = ["functionCall": ["name": .string(call.name), "args": args]]
        if let signature = GeminiWire.thoughtSignature(fromToolCallID: call.id) {
            part["thoughtSignature"] = .string(signature)
        }
        return .object(part)
    }

    /// A tool message → a `functionResponse` part. Gemini matches answers to calls by function
    /// name, so the name is that of the latest earlier assistant call with this id.
    private static func functionResponsePart(
        _ message: ChatMessage, index: Int, in messages: [ChatMessage]
    ) throws(GatewayError) -> JSON {
        let callID = message.toolCallID ?? ""
        var name = messages[..<index].reversed().lazy
            .compactMap { $0.role == .assistant ? $0.toolCalls.first(where: { $0.id == callID }) : nil }
            .first?.name
        if name == nil { name = message.name }
        guard let name else {
            throw .invalidRequest(
                "Tool message messages[\(index)] answers tool call '\(callID)', which no earlier assistant message made.",
                param: "messages[\(index)].tool_call_id")
        }
        let text = message.text
        let response: JSON
        if let parsed = try? JSONParser.parse(text), parsed.objectValue != nil {
            response = parsed
        } else {
            response = ["content": .string(text)]
        }
        return ["functionResponse": ["name": .string(name), "response": response]]
    }

    private static func functionDeclaration(_ tool: ToolDefinition) -> JSON {
        var declaration: JSONObject = ["name": .string(tool.name)]
        if let description = tool.description { declaration["description"] = .string(description) }
        if let parameters = tool.parameters {
            let schema = GeminiWire.geminiSchema(parameters)
            // Gemini refuses an OBJECT without properties ("should be non-empty for OBJECT type");
            // a function without parameters simply has none.
            let isEmptyObject =
                schema["type"]?.stringValue?.lowercased() == "object"
                && (schema["properties"]?.objectValue?.isEmpty ?? true)
            if !isEmptyObject { declaration["parameters"] = schema }
        }
        return .object(declaration)
    }

    private static func toolConfig(_ choice: ToolChoice) -> JSON {
        let config: JSONObject
        switch choice {
        case .auto: config = ["mode": "AUTO"]
        case .none: config = ["mode": "NONE"]
        case .required: config = ["mode": "ANY"]
        case .function(let name): config = ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
        }
        return ["functionCallingConfig": .object(config)]
    }

    /// Sampling, limits and output format. `responseFormat.jsonSchema` goes to
    /// `responseJsonSchema`, not `responseSchema`: the former takes JSON Schema as is, including
    /// `additionalProperties`, `$defs`/`$ref` and `anyOf` (which OpenAI strict schemas and pydantic
    /// models use), so the client's schema is enforced without a lossy translation.
    private static func generationConfig(_ request: ChatRequest) -> JSONObject {
        var config = JSONObject()
        if let temperature = request.temperature { config["temperature"] = JSON(temperature) }
        if let topP = request.topP { config["topP"] = JSON(topP) }
        if let topK = request.topK { config["topK"] = JSON(topK) }
        if let n = request.n { config["candidateCount"] = JSON(n) }
        if let maxTokens = request.maxTokens { config["maxOutputTokens"] = JSON(maxTokens) }
        if !request.stop.isEmpty { config["stopSequences"] = .array(request.stop.map(JSON.string)) }
        // Gemini's seed is an int32; a wider seed is folded into range (still deterministic).
        if let seed = request.seed { config["seed"] = JSON(Int(Int32(truncatingIfNeeded: seed))) }
        if let presence = request.presencePenalty { config["presencePenalty"] = JSON(presence) }
        if let frequency = request.frequencyPenalty { config["frequencyPenalty"] = JSON(frequency) }
        if request.logprobs == true {
            config["responseLogprobs"] = true
            if let top = request.topLogprobs { config["logprobs"] = JSON(top) }
        }
        switch request.responseFormat {
        case .jsonObject:
            config["responseMimeType"] = "application/json"
        case .jsonSchema(_, _, let schema, _):
            config["responseMimeType"] = "application/json"
            if let schema { config["responseJsonSchema"] = schema }
        case .text, nil:
            break
        }
        return config
    }
}

// MARK: - Response: GenerateContentResponse → canonical

extension GeminiProvider {
    /// Maps a `GenerateContentResponse`: one choice per candidate, text parts joined (thought parts
    /// skipped), `functionCall` parts as tool calls numbered over the whole response.
    ///
    /// - Parameters:
    ///   - json: The parsed body.
    ///   - requestedModel: The model name sent, used when the answer has no `modelVersion`.
    ///   - created: Unix seconds for the canonical `created`.
    /// - Throws: ``ProviderError/malformedResponse(_:)`` if the body is not a response with
    ///   candidates (or a prompt block).
    package static func makeResponse(_ json: JSON, requestedModel: String, created: Int) throws -> ChatResponse {
        guard let object = json.objectValue else {
            throw ProviderError.malformedResponse("Gemini answer is not a JSON object")
        }
        let candidates = object["candidates"]?.arrayValue ?? []
        var choices: [ChatChoice] = []
        var callCount = 0
        for (position, candidate) in candidates.enumerated() {
            guard candidate.objectValue != nil else {
                throw ProviderError.malformedResponse("Gemini candidate \(position) is not an object")
            }
            let (text, calls) = candidateOutput(candidate, callCount: &callCount)
            var message = ChatMessage(
                role: .assistant, content: text.isEmpty ? [] : [.text(text)], contentIsString: true)
            message.toolCalls = calls
            choices.append(
                ChatChoice(
                    index: candidate["index"]?.intValue ?? position,
                    message: message,
                    finishReason: candidate["finishReason"]?.stringValue.map {
                        GeminiWire.finishReason($0, hasToolCalls: !calls.isEmpty)
                    },
                    logprobs: GeminiWire.logprobs(candidate["logprobsResult"])))
        }
        if choices.isEmpty {
            // No candidates at all means the prompt itself was blocked (`promptFeedback.blockReason`).
            guard object["promptFeedback"]?["blockReason"]?.stringValue != nil else {
                throw ProviderError.malformedResponse("Gemini answer has no candidates")
            }
            let empty = ChatMessage(role: .assistant, content: [], contentIsString: true)
            choices = [ChatChoice(index: 0, message: empty, finishReason: .contentFilter)]
        }
        return ChatResponse(
            id: object["responseId"]?.stringValue ?? makeResponseID(),
            model: object["modelVersion"]?.stringValue ?? requestedModel,
            created: created,
            choices: choices,
            usage: GeminiWire.usage(object["usageMetadata"]))
    }

    /// The answer text (thought parts skipped) and the function calls of one candidate; call ids
    /// continue from `callCount`.
    static func candidateOutput(_ candidate: JSON, callCount: inout Int) -> (text: String, calls: [ToolCall]) {
        var text = ""
        var calls: [ToolCall] = []
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if part["thought"]?.boolValue == true { continue }
            if let piece = part["text"]?.stringValue { text += piece }
            if let call = part["functionCall"]?.objectValue {
                let id = GeminiWire.toolCallID(
                    number: callCount, thoughtSignature: part["thoughtSignature"]?.stringValue)
                callCount += 1
                let arguments = call["args"].map { $0.isNull ? "{}" : $0.text } ?? "{}"
                calls.append(ToolCall(id: id, name: call["name"]?.stringValue ?? "", arguments: arguments))
            }
        }
        return (text, calls)
    }

    /// An id for an answer that carries no `responseId`.
    static func makeResponseID() -> String {
        "gemini-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
