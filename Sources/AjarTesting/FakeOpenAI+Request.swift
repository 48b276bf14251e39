// Fake OpenAI: authentication, request validation and error bodies.
//
// Error body (platform.openai.com/docs/guides/error-codes):
// `{"error": {"message": …, "type": …, "param": …, "code": …}}`. The types and codes below are
// the ones the real API returns: a bad key is 401 `invalid_request_error` / `invalid_api_key`; a
// rate limit is 429 with type `requests` and code `rate_limit_exceeded`, plus `retry-after` and
// `x-ratelimit-*` headers; server faults are `server_error`.

import Foundation
import Hummingbird

extension FakeOpenAI {
    /// An OpenAI error answer.
    struct APIError: Error {
        var status: Int
        var message: String
        var type: String
        var param: String?
        var code: String?
        var headers: [(String, String)] = []

        var body: FakeJSON {
            [
                "error": [
                    "message": .string(message),
                    "type": .string(type),
                    "param": .string(orNull: param),
                    "code": .string(orNull: code),
                ]
            ]
        }

        var response: Response {
            FakeHTTP.json(body, status: status, headers: FakeOpenAI.responseHeaders() + headers)
        }
    }

    static func errorResponse(_ error: APIError) -> Response { error.response }

    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func unparsableBody() -> Response {
        invalid(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
                + "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. "
                + "If you have trouble figuring out how to fix this, please contact us through our help center at "
                + "help.openai.com.)"
        ).response
    }

    /// The body a scripted `error-NNN` (or a flaky failure) answers with.
    static func errorBody(status: Int, model: String) -> APIError {
        switch status {
        case 400:
            return invalid("Invalid request: scripted failure of the fake model '\(model)'.")
        case 401:
            return APIError(
                status: 401,
                message: "Incorrect API key provided: sk-fake***********1234. You can find your API key at "
                    + "https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error", code: "invalid_api_key"
            )
        case 403:
            return APIError(
                status: 403, message: "Country, region, or territory not supported", type: "request_forbidden",
                code: "unsupported_country_region_territory"
            )
        case 404:
            return APIError(
                status: 404, message: "The model `\(model)` does not exist or you do not have access to it.",
                type: "invalid_request_error", code: "model_not_found"
            )
        case 429:
            return APIError(
                status: 429,
                message: "Rate limit reached for \(model) in organization org-fake on requests per min (RPM): "
                    + "Limit 60, Used 60, Requested 1. Please try again in 1s. Visit "
                    + "https://platform.openai.com/account/rate-limits to learn more.",
                type: "requests", code: "rate_limit_exceeded",
                headers: [
                    ("retry-after", "1"),
                    ("x-ratelimit-limit-requests", "60"),
                    ("x-ratelimit-remaining-requests", "0"),
                    ("x-ratelimit-reset-requests", "1s"),
                    ("x-ratelimit-limit-tokens", "150000"),
                    ("x-ratelimit-remaining-tokens", "149990"),
                    ("x-ratelimit-reset-tokens", "4ms"),
                ]
            )
        case 500:
            return APIError(
                status: 500, message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error"
            )
        case 503:
            return APIError(status: 503, message: "The server is overloaded or not ready yet.", type: "server_error")
        default:
            return APIError(
                status: status, message: "Scripted error \(status) from the fake model '\(model)'.",
                type: status < 500 ? "invalid_request_error" : "server_error"
            )
        }
    }

    /// Checks `Authorization: Bearer KEY`; `nil` when the key is accepted.
    static func authenticate(_ call: FakeCall) -> Response? {
        let authorization = call.header("authorization") ?? ""
        let key = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        if key.trimmingCharacters(in: .whitespaces).isEmpty {
            return APIError(
                status: 401,
                message: "You didn't provide an API key. You need to provide your API key in an Authorization header "
                    + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
                    + "username) if you're accessing the API from your browser and are prompted for a username and "
                    + "password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error"
            ).response
        }
        if let expected = call.options.openAIKey, key != expected {
            return APIError(
                status: 401,
                message: "Incorrect API key provided: \(masked(key)). You can find your API key at "
                    + "https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error", code: "invalid_api_key"
            ).response
        }
        return nil
    }

    /// The real API shows the first and last characters of a wrong key.
    static func masked(_ key: String) -> String {
        guard key.count > 12 else { return key }
        return key.prefix(8) + String(repeating: "*", count: key.count - 12) + key.suffix(4)
    }

    // MARK: - Chat request

    static func parseChat(_ body: [String: Any], rawBody: [UInt8], options: FakeVendorServer.Options)
        -> Result<ChatRequest, APIError>
    {
        if options.rejectsUnknownFields, let unknown = body.keys.sorted().first(where: { !chatFields.contains($0) }) {
            return .failure(invalid("Unrecognized request argument supplied: \(unknown)"))
        }
        guard let model = body.string("model"), !model.isEmpty else {
            return .failure(invalid("you must provide a model parameter"))
        }
        guard body.has("messages") else {
            return .failure(
                invalid("Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter")
            )
        }
        guard let messages = body.array("messages") else {
            return .failure(
                invalid("Invalid type for 'messages': expected an array.", param: "messages", code: "invalid_type")
            )
        }
        if messages.isEmpty {
            return .failure(
                invalid(
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array "
                        + "instead.",
                    param: "messages", code: "empty_array"
                )
            )
        }
        var conversation = FakeConversation(vendor: .openai, model: model)
        conversation.rawBody = String(decoding: rawBody, as: UTF8.self)
        var pendingToolCalls: [String] = []
        var pendingFrom = 0
        var trailingToolResults: [String] = []
        for (index, element) in messages.enumerated() {
            guard let message = element as? [String: Any] else {
                return .failure(
                    invalid("Invalid type for 'messages[\(index)]': expected an object.", param: "messages[\(index)]")
                )
            }
            guard let role = message.string("role") else {
                return .failure(
                    invalid(
                        "Missing required parameter: 'messages[\(index)].role'.", param: "messages[\(index)].role",
                        code: "missing_required_parameter"
                    )
                )
            }
            guard roles.contains(role) else {
                return .failure(
                    invalid(
                        "Invalid value: '\(role)'. Supported values are: 'system', 'assistant', 'user', 'function', "
                            + "'tool', and 'developer'.",
                        param: "messages[\(index)].role", code: "invalid_value"
                    )
                )
            }
            if role != "tool", !pendingToolCalls.isEmpty {
                return .failure(unansweredToolCalls(pendingToolCalls, at: pendingFrom))
            }
            let text: String
            switch contentText(message["content"]) {
            case .some(let value): text = value
            case .none:
                if role == "assistant" || role == "function" {
                    text = ""
                } else {
                    return .failure(
                        invalid(
                            "Missing required parameter: 'messages[\(index)].content'.",
                            param: "messages[\(index)].content", code: "missing_required_parameter"
                        )
                    )
                }
            }
            conversation.promptTokens += FakeAnswer.wordCount(text)
            switch role {
            case "user":
                conversation.lastUserText = text
                trailingToolResults = []
            case "tool":
                guard let id = message.string("tool_call_id"), let position = pendingToolCalls.firstIndex(of: id) else {
                    return .failure(
                        invalid(
                            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
                                + "with 'tool_calls'.",
                            param: "messages.[\(index)].role"
                        )
                    )
                }
                pendingToolCalls.remove(at: position)
                trailingToolResults.append(text)
            default:
                trailingToolResults = []
            }
            if role == "assistant", let calls = message.objects("tool_calls"), !calls.isEmpty {
                for call in calls {
                    let arguments = call.object("function")?.string("arguments") ?? ""
                    conversation.promptTokens += FakeAnswer.wordCount(arguments)
                    if let id = call.string("id") { pendingToolCalls.append(id) }
                }
                pendingFrom = index
            }
        }
        if !pendingToolCalls.isEmpty { return .failure(unansweredToolCalls(pendingToolCalls, at: pendingFrom)) }
        if !trailingToolResults.isEmpty { conversation.toolResultText = trailingToolResults.joined(separator: " ") }

        var request = ChatRequest(conversation: conversation)
        if let error = parseOptions(body, into: &request) { return .failure(error) }
        return .success(request)
    }

    private static func unansweredToolCalls(_ ids: [String], at index: Int) -> APIError {
        invalid(
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                + "'tool_call_id'. The following tool_call_ids did not have response messages: "
                + ids.joined(separator: ", "),
            param: "messages.[\(index)].role"
        )
    }

    /// Sampling, streaming, tool and format options.
    private static func parseOptions(_ body: [String: Any], into request: inout ChatRequest) -> APIError? {
        request.isStream = body.bool("stream") ?? false
        if body.has("stream_options") {
            guard request.isStream else {
                return invalid(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options"
                )
            }
            request.includesUsage = body.object("stream_options")?.bool("include_usage") ?? false
        }
        if body.has("n") {
            guard let n = body.int("n"), (1...128).contains(n) else {
                return invalid("Invalid 'n': expected an integer between 1 and 128.", param: "n", code: "invalid_value")
            }
            request.choiceCount = n
        }
        for key in ["max_completion_tokens", "max_tokens"] where body.has(key) {
            guard let limit = body.int(key), limit >= 1 else {
                return invalid(
                    "Invalid '\(key)': integer below minimum value. Expected a value >= 1.", param: key,
                    code: "integer_below_min_value"
                )
            }
            request.conversation.maxTokens = min(request.conversation.maxTokens ?? .max, limit)
        }
        if let stop = body.string("stop") {
            request.conversation.stopSequences = [stop]
        } else if body.has("stop") {
            guard let stops = body["stop"] as? [String], stops.count <= 4 else {
                return invalid("Invalid 'stop': expected a string or an array of up to 4 strings.", param: "stop")
            }
            request.conversation.stopSequences = stops
        }
        if let tools = body.array("tools") {
            for (index, element) in tools.enumerated() {
                guard let tool = element as? [String: Any], let name = tool.object("function")?.string("name") else {
                    return invalid(
                        "Missing required parameter: 'tools[\(index)].function.name'.",
                        param: "tools[\(index)].function.name", code: "missing_required_parameter"
                    )
                }
                request.conversation.toolNames.append(name)
            }
        }
        if let choice = body.string("tool_choice") {
            request.conversation.toolChoice = choice == "none" ? .none : choice == "required" ? .required : .auto
        } else if let name = body.object("tool_choice")?.object("function")?.string("name") {
            request.conversation.toolChoice = .named(name)
        }
        if let format = body.object("response_format")?.string("type") {
            switch format {
            case "json_object":
                let mentionsJSON = (body.array("messages") ?? []).contains { element in
                    let message = element as? [String: Any]
                    return contentText(message?["content"])?.lowercased().contains("json") ?? false
                }
                guard mentionsJSON else {
                    return invalid(
                        "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                            + "'json_object'.",
                        param: "messages"
                    )
                }
                request.conversation.wantsJSON = true
            case "json_schema":
                request.conversation.wantsJSON = true
            default:
                break
            }
        }
        return nil
    }

    /// The text of a message's `content`: a string, or the text (and refusal) parts of an array.
    /// `nil` when there is no content.
    static func contentText(_ content: Any?) -> String? {
        if let text = content as? String { return text }
        guard let parts = content as? [Any] else { return nil }
        return parts.compactMap { part -> String? in
            guard let part = part as? [String: Any] else { return nil }
            return part.string("text") ?? part.string("refusal")
        }.joined(separator: " ")
    }
}
