import AjarCore

/// Anthropic's Messages API as a client-facing dialect: pure translations between Anthropic's
/// wire format and Ajar's canonical types, so an Anthropic SDK (or Claude Code) can point its base
/// URL at Ajar. No HTTP types here; the routes call these functions.
///
/// - ``decodeRequest(_:)``: a `POST /v1/messages` body → ``ChatRequest``
///   (`AnthropicDialect+Request.swift`).
/// - ``encodeResponse(_:model:)``: a ``ChatResponse`` → an Anthropic `message` object
///   (`AnthropicDialect+Response.swift`).
/// - ``StreamEncoder``: canonical chunks → Anthropic's named stream events.
/// - ``errorBody(_:requestID:)``: a ``GatewayError`` → Anthropic's error body.
///
/// Reference: Anthropic's API documentation, "Messages", "Streaming Messages" and "Errors"
/// (docs.anthropic.com, API version `2023-06-01`). Parameter paths in errors use Anthropic's own
/// dotted style (`messages.1.content.0.type`), and messages start with the path, as Anthropic's do
/// (`max_tokens: Field required`).
package enum AnthropicDialect {
    /// Anthropic's error body: `{"type":"error","error":{"type":…,"message":…},"request_id":…}`.
    ///
    /// The error type follows the HTTP status the error is sent with, as Anthropic's table does:
    /// 400 `invalid_request_error`, 401 `authentication_error`, 402 `billing_error`,
    /// 403 `permission_error`, 404 `not_found_error`, 413 `request_too_large`,
    /// 429 `rate_limit_error`, 500 `api_error`, 504 `timeout_error`, 503 and 529
    /// `overloaded_error`; other 4xx `invalid_request_error` (Anthropic: "we may also use this error
    /// type for other 4XX status codes") and other 5xx `api_error`.
    ///
    /// A spent budget is sent with status 429, so it is a `rate_limit_error` here: Anthropic's SDKs
    /// pick their exception class from the status, and `billing_error` (Anthropic's 402) would
    /// contradict it. The message says which limit was hit.
    /// - Parameter requestID: Ajar's request id, sent as `request_id` like Anthropic's own.
    package static func errorBody(_ error: GatewayError, requestID: String? = nil) -> JSON {
        var body: JSONObject = [
            "type": "error",
            "error": ["type": .string(errorType(of: error)), "message": .string(error.message)],
        ]
        if let requestID { body["request_id"] = .string(requestID) }
        return .object(body)
    }

    /// The Anthropic error `type` of an error: `billing_error` for a spent budget (what Anthropic
    /// says when credit runs out), else by status.
    package static func errorType(of error: GatewayError) -> String {
        if case .budgetExceeded = error { return "billing_error" }
        return errorType(forStatus: error.status)
    }

    /// The Anthropic error `type` for an HTTP status (see ``errorBody(_:requestID:)``).
    package static func errorType(forStatus status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }

    /// `id` as an Anthropic message id: kept if it already starts with `msg_`, prefixed otherwise.
    package static func messageID(_ id: String) -> String {
        id.hasPrefix("msg_") ? id : "msg_" + id
    }

    /// Anthropic's `stop_reason` and `stop_sequence` for a canonical finish reason.
    ///
    /// A natural stop after tool calls is reported as `tool_use` (some vendors say "stop" there,
    /// and Anthropic clients run their tool loop on `tool_use`). Finish reasons Anthropic has no
    /// word for become `end_turn`; its own words that arrived as `.other` pass through.
    static func stopReason(_ finish: FinishReason?, hasToolUse: Bool) -> (reason: String, sequence: String?) {
        switch finish {
        case .stop(let sequence?): return ("stop_sequence", sequence)
        case .stop(nil), nil: return (hasToolUse ? "tool_use" : "end_turn", nil)
        case .length: return ("max_tokens", nil)
        case .toolCalls: return ("tool_use", nil)
        case .contentFilter: return ("refusal", nil)
        case .other(let value):
            let known: Set = [
                "end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal",
                "model_context_window_exceeded",
            ]
            return (known.contains(value) ? value : (hasToolUse ? "tool_use" : "end_turn"), nil)
        }
    }
}
