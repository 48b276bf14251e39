import AjarCore

extension AnthropicDialect {
    /// A canonical answer as Anthropic's `message` object:
    /// ```
    /// {"id":"msg_…","type":"message","role":"assistant","model":…,
    ///  "content":[{"type":"text","text":…},{"type":"tool_use","id":…,"name":…,"input":{…}}],
    ///  "stop_reason":…,"stop_sequence":…,"usage":{"input_tokens":…,"output_tokens":…}}
    /// ```
    /// Only choice 0 is encoded (Anthropic has no `n`). Tool-call arguments that are not a JSON
    /// object become `input: {}` (Anthropic's `input` is always an object). Usage follows
    /// Anthropic's split: `input_tokens` is the uncached part of the prompt and
    /// `cache_read_input_tokens` the cached part (present when known).
    /// - Parameter model: The model name the client asked for (the alias), echoed back.
    package static func encodeResponse(_ response: ChatResponse, model: String) -> JSON {
        let choice = response.choices.first { $0.index == 0 } ?? response.choices.first
        var content: [JSON] = []
        var text = choice?.message.text ?? ""
        if text.isEmpty, let refusal = choice?.message.refusal { text = refusal }
        if !text.isEmpty { content.append(["type": "text", "text": .string(text)]) }
        for call in choice?.message.toolCalls ?? [] {
            content.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": toolInput(call.arguments)])
        }
        let hasToolUse = !(choice?.message.toolCalls.isEmpty ?? true)
        let stop = stopReason(choice?.finishReason, hasToolUse: hasToolUse)
        return [
            "id": .string(messageID(response.id)),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": .array(content),
            "stop_reason": .string(stop.reason),
            "stop_sequence": JSON(stop.sequence),
            "usage": usageJSON(response.usage),
        ]
    }

    /// Tool-call arguments as an `input` object; anything that is not a JSON object is `{}`.
    static func toolInput(_ arguments: String) -> JSON {
        guard let parsed = try? JSONParser.parse(arguments), parsed.objectValue != nil else { return [:] }
        return parsed
    }

    /// `{"input_tokens","cache_read_input_tokens"?,"output_tokens"}` (zeros when unknown).
    static func usageJSON(_ usage: Usage?) -> JSON {
        guard let usage else { return ["input_tokens": 0, "output_tokens": 0] }
        let cached = usage.cachedPromptTokens
        var object: JSONObject = ["input_tokens": JSON(max(0, usage.promptTokens - (cached ?? 0)))]
        if let cached { object["cache_read_input_tokens"] = JSON(cached) }
        object["output_tokens"] = JSON(usage.completionTokens)
        return .object(object)
    }
}
