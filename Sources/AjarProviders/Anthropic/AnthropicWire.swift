import AjarCore
import Foundation

/// Anthropic's Messages API on the wire: the endpoint, the headers, the error body and the
/// tables that translate Anthropic's words (stop reasons, error types) into Ajar's.
///
/// Reference: Anthropic's API documentation, "Messages" (`POST /v1/messages`), "Streaming
/// Messages" and "Errors" (docs.anthropic.com, API version `2023-06-01`).
///
/// Error bodies look like `{"type":"error","error":{"type":"invalid_request_error","message":"…"},
/// "request_id":"req_…"}`; statuses and types pair as 400 `invalid_request_error`,
/// 401 `authentication_error`, 402 `billing_error`, 403 `permission_error`, 404 `not_found_error`,
/// 413 `request_too_large`, 429 `rate_limit_error`, 500 `api_error`, 504 `timeout_error`,
/// 529 `overloaded_error`.
package enum AnthropicWire {
    /// The API version Ajar speaks (`anthropic-version` header).
    package static let defaultVersion = "2023-06-01"

    /// The Messages endpoint under `baseURL`, which may be given as `https://api.anthropic.com`,
    /// `https://api.anthropic.com/`, or `https://api.anthropic.com/v1`.
    package static func messagesURL(baseURL: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        if base.hasSuffix("/v1") { return base + "/messages" }
        return base + "/v1/messages"
    }

    /// The request headers: the key in `x-api-key` (Anthropic does not read `Authorization`) and
    /// the API version. `content-type` is added by ``UpstreamClient/post(url:headers:json:)``.
    package static func headers(apiKey: Secret?, version: String, stream: Bool) -> [(String, String)] {
        var headers: [(String, String)] = [("anthropic-version", version)]
        if let apiKey, !apiKey.isEmpty { headers.append(("x-api-key", apiKey.value)) }
        if stream { headers.append(("accept", "text/event-stream")) }
        return headers
    }

    /// The message in an Anthropic error body (`error.message`), or the start of the body's text
    /// when it is not Anthropic's JSON (a proxy's HTML page, say).
    @Sendable package static func errorMessage(_ json: JSON?, _ text: String) -> String {
        if let message = json?["error"]?["message"]?.stringValue, !message.isEmpty { return message }
        if let message = json?["message"]?.stringValue, !message.isEmpty { return message }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return String(trimmed.prefix(500))
    }

    /// The HTTP status Anthropic documents for an error `type`, used for `error` events that
    /// arrive inside a 200 stream (an `overloaded_error` there means what a 529 means elsewhere).
    package static func status(forErrorType type: String) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "billing_error": 402
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "api_error": 500
        case "timeout_error": 504
        case "overloaded_error": 529
        default: 500
        }
    }

    /// Maps `stop_reason` (and `stop_sequence`) to the canonical finish reason.
    ///
    /// `end_turn` → stop, `stop_sequence` → stop naming the sequence, `max_tokens` → length,
    /// `tool_use` → tool calls, `refusal` → content filter; anything else (`pause_turn`,
    /// `model_context_window_exceeded`, future values) is kept verbatim as `.other`.
    package static func finishReason(stopReason: String?, stopSequence: String?) -> FinishReason? {
        guard let stopReason else { return nil }
        switch stopReason {
        case "end_turn": return .stop()
        case "stop_sequence": return .stop(sequence: stopSequence)
        case "max_tokens": return .length
        case "tool_use": return .toolCalls
        case "refusal": return .contentFilter
        default: return .other(stopReason)
        }
    }

    /// Canonical usage from an Anthropic `usage` object.
    ///
    /// Anthropic's `input_tokens` counts only the uncached part of the prompt; OpenAI's
    /// `prompt_tokens` counts all of it. So prompt tokens = `input_tokens` +
    /// `cache_read_input_tokens` + `cache_creation_input_tokens`, and the cache reads are also
    /// reported as cached prompt tokens (billed at the cached price).
    package static func usage(
        inputTokens: Int, outputTokens: Int, cacheReadTokens: Int?, cacheCreationTokens: Int?
    ) -> Usage {
        Usage(
            promptTokens: inputTokens + (cacheReadTokens ?? 0) + (cacheCreationTokens ?? 0),
            completionTokens: outputTokens,
            cachedPromptTokens: cacheReadTokens)
    }
}
