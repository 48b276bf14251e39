import AjarCore

// MARK: - Stream: wire → canonical

extension OpenAIWire {
    /// Decodes one `chat.completion.chunk` object.
    /// - Throws: ``ProviderError/malformedResponse(_:)``, or ``ProviderError/http(status:message:retryAfter:)``
    ///   for an `{"error": …}` event (some servers report failures mid-stream this way).
    package static func decodeChunk(_ json: JSON, now: Int) throws(ProviderError) -> ChatChunk {
        guard let body = json.objectValue else { throw .malformedResponse("a stream event is not a JSON object") }
        if let error = body["error"], !error.isNull {
            let status = error["code"]?.intValue.flatMap { (400...599).contains($0) ? $0 : nil } ?? 500
            throw .http(status: status, message: errorMessage(json, ""), retryAfter: nil)
        }
        var choices: [ChunkChoice] = []
        for (position, wire) in (body["choices"]?.arrayValue ?? []).enumerated() {
            guard let choice = wire.objectValue else { throw .malformedResponse("choices[\(position)] is not an object") }
            var delta = ChunkDelta()
            if let wireDelta = choice["delta"]?.objectValue {
                delta.role = wireDelta["role"]?.stringValue.flatMap(ChatMessage.Role.init(rawValue:))
                delta.content = wireDelta["content"]?.stringValue
                delta.refusal = wireDelta["refusal"]?.stringValue
                for (callPosition, call) in (wireDelta["tool_calls"]?.arrayValue ?? []).enumerated() {
                    delta.toolCalls.append(
                        ToolCallDelta(
                            index: call["index"]?.intValue ?? callPosition, id: call["id"]?.stringValue,
                            name: call["function"]?["name"]?.stringValue,
                            arguments: call["function"]?["arguments"]?.stringValue))
                }
            }
            let logprobs: JSON? = choice["logprobs"].flatMap { $0.isNull ? Optional<JSON>.none : $0 }
            choices.append(
                ChunkChoice(
                    index: choice["index"]?.intValue ?? position, delta: delta,
                    finishReason: choice["finish_reason"]?.stringValue.map(FinishReason.init(openAI:)),
                    logprobs: logprobs))
        }
        return ChatChunk(
            id: body["id"]?.stringValue ?? "chatcmpl-ajar", model: body["model"]?.stringValue ?? "",
            created: body["created"]?.intValue ?? now, choices: choices, usage: decodeUsage(body["usage"]))
    }
}

// MARK: - Stream: canonical → wire

extension OpenAIWire {
    /// Encodes one chunk as a `chat.completion.chunk` object.
    /// - Parameter includeUsageField: with `stream_options.include_usage`, OpenAI sends
    ///   `"usage": null` on every chunk but the last.
    package static func encodeChunk(_ chunk: ChatChunk, includeUsageField: Bool) -> JSON {
        var body: JSONObject = [
            "id": .string(chunk.id),
            "object": "chat.completion.chunk",
            "created": JSON(chunk.created),
            "model": .string(chunk.model),
        ]
        body["choices"] = .array(
            chunk.choices.map { choice in
                var delta = JSONObject()
                if let role = choice.delta.role { delta["role"] = .string(role.rawValue) }
                if let content = choice.delta.content { delta["content"] = .string(content) }
                if let refusal = choice.delta.refusal { delta["refusal"] = .string(refusal) }
                if !choice.delta.toolCalls.isEmpty {
                    delta["tool_calls"] = .array(
                        choice.delta.toolCalls.map { call in
                            var object: JSONObject = ["index": JSON(call.index)]
                            if let id = call.id {
                                object["id"] = .string(id)
                                object["type"] = "function"
                            }
                            var function = JSONObject()
                            if let name = call.name { function["name"] = .string(name) }
                            function["arguments"] = .string(call.arguments ?? "")
                            object["function"] = .object(function)
                            return .object(object)
                        })
                }
                return [
                    "index": JSON(choice.index),
                    "delta": .object(delta),
                    "logprobs": choice.logprobs ?? .null,
                    "finish_reason": JSON(choice.finishReason?.openAIValue),
                ]
            })
        if let usage = chunk.usage {
            body["usage"] = encodeUsage(usage)
        } else if includeUsageField {
            body["usage"] = .null
        }
        return .object(body)
    }
}
