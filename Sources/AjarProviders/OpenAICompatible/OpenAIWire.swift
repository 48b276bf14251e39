import AjarCore

/// OpenAI's Chat Completions wire format, both ways: the OpenAI-compatible provider encodes
/// requests and decodes answers with it; AjarServer's OpenAI dialect decodes requests and encodes
/// answers with it. Keeping both directions in one place lets tests prove they are inverses.
///
/// Reference: the OpenAI API reference, "Create chat completion" and "The chat completion chunk
/// object" (platform.openai.com/docs/api-reference/chat).
package enum OpenAIWire {}

// MARK: - Shared pieces

extension OpenAIWire {
    /// `usage` → canonical.
    static func decodeUsage(_ json: JSON?) -> Usage? {
        guard let object = json?.objectValue else { return nil }
        let prompt = object["prompt_tokens"]?.intValue ?? 0
        let completion = object["completion_tokens"]?.intValue ?? 0
        return Usage(
            promptTokens: prompt,
            completionTokens: completion,
            cachedPromptTokens: object["prompt_tokens_details"]?["cached_tokens"]?.intValue,
            reasoningTokens: object["completion_tokens_details"]?["reasoning_tokens"]?.intValue)
    }

    /// Canonical usage → `usage`.
    package static func encodeUsage(_ usage: Usage) -> JSON {
        var object: JSONObject = [
            "prompt_tokens": JSON(usage.promptTokens),
            "completion_tokens": JSON(usage.completionTokens),
            "total_tokens": JSON(usage.totalTokens),
        ]
        if let cached = usage.cachedPromptTokens {
            object["prompt_tokens_details"] = ["cached_tokens": JSON(cached)]
        }
        if let reasoning = usage.reasoningTokens {
            object["completion_tokens_details"] = ["reasoning_tokens": JSON(reasoning)]
        }
        return .object(object)
    }

    /// The message an error body carries: `{"error": {"message": ...}}` (or a bare `message`).
    package static func errorMessage(_ json: JSON?, _ text: String) -> String {
        if let message = json?["error"]?["message"]?.stringValue { return message }
        if let message = json?["error"]?.stringValue { return message }
        if let message = json?["message"]?.stringValue { return message }
        return String(text.prefix(500))
    }
}
