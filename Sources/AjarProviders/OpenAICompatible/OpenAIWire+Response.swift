import AjarCore

// MARK: - Response: wire → canonical (what the provider receives)

extension OpenAIWire {
    /// Decodes a `chat.completion` object. Lenient where OpenAI-compatible servers differ (a
    /// missing `id`, `created` or `usage`); strict where an answer would be meaningless.
    /// - Throws: ``ProviderError/malformedResponse(_:)``.
    package static func decodeResponse(_ json: JSON, now: Int) throws(ProviderError) -> ChatResponse {
        guard let body = json.objectValue else { throw .malformedResponse("the answer is not a JSON object") }
        guard let wireChoices = body["choices"]?.arrayValue else {
            throw .malformedResponse("the answer has no 'choices' array")
        }
        var choices: [ChatChoice] = []
        choices.reserveCapacity(wireChoices.count)
        for (position, wire) in wireChoices.enumerated() {
            guard let choice = wire.objectValue, let wireMessage = choice["message"]?.objectValue else {
                throw .malformedResponse("choices[\(position)] has no 'message' object")
            }
            var message = ChatMessage(role: .assistant, content: [], contentIsString: true)
            if let text = wireMessage["content"]?.stringValue { message.content = [.text(text)] }
            message.refusal = wireMessage["refusal"]?.stringValue
            for call in wireMessage["tool_calls"]?.arrayValue ?? [] {
                guard let function = call["function"]?.objectValue, let name = function["name"]?.stringValue else {
                    throw .malformedResponse("choices[\(position)].message.tool_calls has a call without a function name")
                }
                message.toolCalls.append(
                    ToolCall(
                        id: call["id"]?.stringValue ?? "call_\(position)_\(message.toolCalls.count)", name: name,
                        arguments: function["arguments"]?.stringValue ?? "{}"))
            }
            let logprobs: JSON? = choice["logprobs"].flatMap { $0.isNull ? Optional<JSON>.none : $0 }
            choices.append(
                ChatChoice(
                    index: choice["index"]?.intValue ?? position, message: message,
                    finishReason: choice["finish_reason"]?.stringValue.map(FinishReason.init(openAI:)),
                    logprobs: logprobs))
        }
        var response = ChatResponse(
            id: body["id"]?.stringValue ?? "chatcmpl-ajar", model: body["model"]?.stringValue ?? "",
            created: body["created"]?.intValue ?? now, choices: choices, usage: decodeUsage(body["usage"]))
        response.systemFingerprint = body["system_fingerprint"]?.stringValue
        return response
    }
}

// MARK: - Response: canonical → wire (what Ajar's OpenAI dialect answers)

extension OpenAIWire {
    /// Encodes a canonical answer as a `chat.completion` object.
    package static func encodeResponse(_ response: ChatResponse) -> JSON {
        var body: JSONObject = [
            "id": .string(response.id),
            "object": "chat.completion",
            "created": JSON(response.created),
            "model": .string(response.model),
        ]
        body["choices"] = .array(
            response.choices.map { choice in
                var message: JSONObject = ["role": "assistant"]
                message["content"] = choice.message.content.isEmpty ? .null : .string(choice.message.text)
                message["refusal"] = JSON(choice.message.refusal)
                if !choice.message.toolCalls.isEmpty {
                    message["tool_calls"] = .array(choice.message.toolCalls.map(encodeToolCall))
                }
                return [
                    "index": JSON(choice.index),
                    "message": .object(message),
                    "logprobs": choice.logprobs ?? .null,
                    "finish_reason": JSON(choice.finishReason?.openAIValue),
                ]
            })
        if let usage = response.usage { body["usage"] = encodeUsage(usage) }
        if let fingerprint = response.systemFingerprint { body["system_fingerprint"] = .string(fingerprint) }
        return .object(body)
    }
}
