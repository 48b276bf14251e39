// Fake Anthropic: authentication, request validation and error bodies.
//
// Error body (docs.anthropic.com/en/api/errors):
// `{"type": "error", "error": {"type": …, "message": …}, "request_id": "req_…"}` with the same id
// in the `request-id` header. Types by status: 400 invalid_request_error, 401
// authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429
// rate_limit_error (with `retry-after`), 500 api_error, 529 overloaded_error.

import Foundation
import Hummingbird

extension FakeAnthropic {
    /// The request as the fake understood it.
    struct MessagesRequest {
        var conversation: FakeConversation
        var isStream = false
    }

    /// An Anthropic error answer.
    struct APIError: Error {
        var status: Int
        var type: String
        var message: String
        var headers: [(String, String)] = []
        var requestID = FakeAnthropic.requestID()

        var body: FakeJSON {
            ["type": "error", "error": ["type": .string(type), "message": .string(message)], "request_id": .string(requestID)]
        }

        var response: Response {
            FakeHTTP.json(body, status: status, headers: [("request-id", requestID)] + headers)
        }
    }

    static func invalid(_ message: String) -> APIError {
        APIError(status: 400, type: "invalid_request_error", message: message)
    }

    /// Every top-level field the Messages API accepts; others are "Extra inputs are not permitted".
    static let messageFields: Set<String> = [
        "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature", "top_k",
        "top_p", "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers", "context_management",
        "output_format", "output_config", "inference_geo",
    ]

    /// The API versions there are (docs.claude.com/en/api/versioning).
    static let versions: Set<String> = ["2023-01-01", "2023-06-01", "2026-10-21"]

    /// Sampling parameters that version 2026-10-21 removed: sending any is a 400.
    static let removedIn20261021 = ["temperature", "top_p", "top_k"]

    /// The body a scripted `error-NNN` (or a flaky failure) answers with.
    static func errorBody(status: Int, model: String = "") -> APIError {
        switch status {
        case 400: return invalid("Invalid request: scripted failure of the fake model '\(model)'.")
        case 401: return APIError(status: 401, type: "authentication_error", message: "invalid x-api-key")
        case 402: return APIError(status: 402, type: "billing_error", message: "Your credit balance is too low.")
        case 403:
            return APIError(
                status: 403, type: "permission_error",
                message: "Your API key does not have permission to use the specified resource."
            )
        case 404: return APIError(status: 404, type: "not_found_error", message: "model: \(model)")
        case 413:
            return APIError(
                status: 413, type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes."
            )
        case 429:
            let reset = ISO8601DateFormatter().string(from: Date().addingTimeInterval(1))
            return APIError(
                status: 429, type: "rate_limit_error",
                message: "This request would exceed the rate limit for your organization of 50 requests per minute. "
                    + "For details, refer to: https://docs.claude.com/en/api/rate-limits.",
                headers: [
                    ("retry-after", "1"),
                    ("anthropic-ratelimit-requests-limit", "50"),
                    ("anthropic-ratelimit-requests-remaining", "0"),
                    ("anthropic-ratelimit-requests-reset", reset),
                ]
            )
        case 500: return APIError(status: 500, type: "api_error", message: "Internal server error")
        case 504: return APIError(status: 504, type: "timeout_error", message: "Request timed out")
        case 529: return APIError(status: 529, type: "overloaded_error", message: "Overloaded")
        default:
            return APIError(
                status: status, type: status < 500 ? "invalid_request_error" : "api_error",
                message: "Scripted error \(status) from the fake model '\(model)'."
            )
        }
    }

    /// Checks the key (`x-api-key`, or `Authorization: Bearer`, which the API also accepts for
    /// API keys and which SDKs using version 2026-10-21 send) and `anthropic-version`; `nil` when
    /// both are acceptable.
    static func authenticate(_ call: FakeCall) -> Response? {
        let authorization = call.header("authorization") ?? ""
        let bearer = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        let key = call.header("x-api-key") ?? bearer
        guard !key.isEmpty else {
            return APIError(status: 401, type: "authentication_error", message: "x-api-key header is required").response
        }
        if let expected = call.options.anthropicKey, key != expected {
            return APIError(status: 401, type: "authentication_error", message: "invalid x-api-key").response
        }
        guard let version = call.header("anthropic-version") else {
            return invalid("anthropic-version: header is required").response
        }
        guard versions.contains(version) else {
            return invalid("anthropic-version: \"\(version)\" is not a valid version").response
        }
        return nil
    }

    // MARK: - Messages request

    static func parseMessages(
        _ body: [String: Any], rawBody: [UInt8], version: String, options: FakeVendorServer.Options
    ) -> Result<MessagesRequest, APIError> {
        if options.rejectsUnknownFields, let unknown = body.keys.sorted().first(where: { !messageFields.contains($0) }) {
            return .failure(invalid("\(unknown): Extra inputs are not permitted"))
        }
        let isVersion20261021 = version == "2026-10-21"
        if isVersion20261021, let removed = removedIn20261021.first(where: { body.has($0) }) {
            return .failure(invalid("\(removed): this parameter is not supported in anthropic-version 2026-10-21"))
        }
        guard let model = body.string("model"), !model.isEmpty else { return .failure(invalid("model: Field required")) }
        guard body.has("max_tokens") else { return .failure(invalid("max_tokens: Field required")) }
        guard let maxTokens = body.int("max_tokens"), maxTokens >= 1 else {
            return .failure(invalid("max_tokens: Input should be greater than or equal to 1"))
        }
        guard body.has("messages") else { return .failure(invalid("messages: Field required")) }
        guard let messages = body.array("messages") else { return .failure(invalid("messages: Input should be a valid list")) }
        if messages.isEmpty { return .failure(invalid("messages: at least one message is required")) }

        var conversation = FakeConversation(vendor: .anthropic, model: model)
        conversation.rawBody = String(decoding: rawBody, as: UTF8.self)
        conversation.maxTokens = maxTokens
        if let error = readSystem(body["system"], into: &conversation) { return .failure(error) }

        var previousToolUses: [String] = []
        var previousIndex = 0
        for (index, element) in messages.enumerated() {
            guard let message = element as? [String: Any] else {
                return .failure(invalid("messages.\(index): Input should be a valid dictionary"))
            }
            guard let role = message.string("role") else { return .failure(invalid("messages.\(index).role: Field required")) }
            if role == "system" {
                return .failure(
                    invalid(
                        "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, "
                            + "not \"system\" as an input message role."
                    )
                )
            }
            guard role == "user" || role == "assistant" else {
                return .failure(invalid("messages.\(index).role: Input should be 'user' or 'assistant'"))
            }
            let isFinalAssistant = role == "assistant" && index == messages.count - 1
            let blocks: [[String: Any]]
            switch readContent(message["content"], at: index, allowEmpty: isFinalAssistant) {
            case .success(let read): blocks = read
            case .failure(let error): return .failure(error)
            }

            var texts: [String] = []
            var toolUses: [String] = []
            var toolResults: [String] = []
            for (blockIndex, block) in blocks.enumerated() {
                let path = "messages.\(index).content.\(blockIndex)"
                switch block.string("type") {
                case "text":
                    guard let text = block.string("text") else { return .failure(invalid("\(path).text: Field required")) }
                    if text.isEmpty, !isFinalAssistant {
                        return .failure(invalid("messages: text content blocks must be non-empty"))
                    }
                    if isVersion20261021, role == "user", let citations = block.array("citations"), !citations.isEmpty {
                        return .failure(
                            invalid("\(path).citations: citations are not accepted in user messages in anthropic-version 2026-10-21")
                        )
                    }
                    texts.append(text)
                case "document" where role == "assistant" && isVersion20261021:
                    return .failure(
                        invalid("\(path): document blocks are not accepted in assistant messages in anthropic-version 2026-10-21")
                    )
                case "tool_use":
                    guard let id = block.string("id"), block.string("name") != nil else {
                        return .failure(invalid("\(path): tool_use blocks need an `id` and a `name`"))
                    }
                    toolUses.append(id)
                    conversation.promptTokens += FakeAnswer.wordCount(FakeRequestJSON.text(of: block["input"] ?? [String: Any]()))
                case "tool_result":
                    guard let id = block.string("tool_use_id") else {
                        return .failure(invalid("\(path).tool_use_id: Field required"))
                    }
                    guard previousToolUses.contains(id) else {
                        return .failure(
                            invalid(
                                "\(path): unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each "
                                    + "`tool_result` block must have a corresponding `tool_use` block in the previous "
                                    + "message."
                            )
                        )
                    }
                    toolResults.append(id)
                    texts.append(resultText(block["content"]))
                case .none:
                    return .failure(invalid("\(path).type: Field required"))
                default:
                    break
                }
            }
            let unanswered = previousToolUses.filter { !toolResults.contains($0) }
            if !unanswered.isEmpty {
                return .failure(
                    invalid(
                        "messages.\(previousIndex): `tool_use` ids were found without `tool_result` blocks immediately "
                            + "after: \(unanswered.joined(separator: ", ")). Each `tool_use` block must have a "
                            + "corresponding `tool_result` block in the next message."
                    )
                )
            }
            let text = texts.joined(separator: " ")
            conversation.promptTokens += FakeAnswer.wordCount(text)
            if role == "user" {
                if toolResults.isEmpty {
                    conversation.lastUserText = text
                    conversation.toolResultText = nil
                } else {
                    conversation.toolResultText = text
                }
            } else {
                conversation.toolResultText = nil
            }
            previousToolUses = toolUses
            previousIndex = index
        }

        var request = MessagesRequest(conversation: conversation)
        if let error = readOptions(body, into: &request) { return .failure(error) }
        return .success(request)
    }

    /// A message's content as blocks (a string becomes one text block).
    private static func readContent(_ content: Any?, at index: Int, allowEmpty: Bool) -> Result<[[String: Any]], APIError> {
        let emptyError = invalid(
            "messages.\(index): all messages must have non-empty content except for the optional final assistant message"
        )
        if let text = content as? String {
            if text.isEmpty, !allowEmpty { return .failure(emptyError) }
            return .success([["type": "text", "text": text]])
        }
        guard let items = content as? [Any] else {
            return .failure(invalid("messages.\(index).content: Field required"))
        }
        if items.isEmpty, !allowEmpty { return .failure(emptyError) }
        var blocks: [[String: Any]] = []
        for (blockIndex, item) in items.enumerated() {
            guard let block = item as? [String: Any] else {
                return .failure(invalid("messages.\(index).content.\(blockIndex): Input should be a valid dictionary"))
            }
            blocks.append(block)
        }
        return .success(blocks)
    }

    /// The text of a `tool_result` block's content (a string or text blocks).
    private static func resultText(_ content: Any?) -> String {
        if let text = content as? String { return text }
        let blocks = content as? [[String: Any]] ?? []
        return blocks.compactMap { $0.string("text") }.joined(separator: " ")
    }

    private static func readSystem(_ system: Any?, into conversation: inout FakeConversation) -> APIError? {
        guard let system, !(system is NSNull) else { return nil }
        if let text = system as? String {
            conversation.promptTokens += FakeAnswer.wordCount(text)
            return nil
        }
        guard let blocks = system as? [[String: Any]] else { return invalid("system: Input should be a valid string") }
        for (index, block) in blocks.enumerated() {
            guard block.string("type") == "text", let text = block.string("text") else {
                return invalid("system.\(index): Input should be a text block")
            }
            conversation.promptTokens += FakeAnswer.wordCount(text)
        }
        return nil
    }

    private static func readOptions(_ body: [String: Any], into request: inout MessagesRequest) -> APIError? {
        request.isStream = body.bool("stream") ?? false
        if body.has("stop_sequences") {
            guard let stops = body["stop_sequences"] as? [String] else {
                return invalid("stop_sequences: Input should be a valid list of strings")
            }
            request.conversation.stopSequences = stops
        }
        if let tools = body.array("tools") {
            for (index, element) in tools.enumerated() {
                guard let tool = element as? [String: Any], let name = tool.string("name") else {
                    return invalid("tools.\(index).name: Field required")
                }
                let type = tool.string("type") ?? "custom"
                if type == "custom" {
                    guard tool.object("input_schema") != nil else {
                        return invalid("tools.\(index).custom.input_schema: Field required")
                    }
                    request.conversation.toolNames.append(name)
                }
            }
        }
        if let choice = body.object("tool_choice") {
            switch choice.string("type") {
            case "none": request.conversation.toolChoice = .none
            case "any": request.conversation.toolChoice = .required
            case "tool":
                guard let name = choice.string("name") else { return invalid("tool_choice.tool.name: Field required") }
                request.conversation.toolChoice = .named(name)
            default: request.conversation.toolChoice = .auto
            }
        }
        let format = body.object("output_format") ?? body.object("output_config")?.object("format")
        if format?.string("type") == "json_schema" { request.conversation.wantsJSON = true }
        return nil
    }
}
