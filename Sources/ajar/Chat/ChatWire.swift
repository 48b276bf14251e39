import AjarCore
import AjarProviders
import Foundation

/// The OpenAI chat-completions wire format as `ajar chat` speaks it to a gateway: the request
/// body, the streamed `data:` events, and error bodies turned into one line.
enum ChatWire {
    /// A streaming chat-completions body: the whole conversation, usage included at the end, as
    /// the OpenAI adapter encodes requests.
    static func requestBody(model: String, messages: [ChatMessage]) -> JSON {
        var request = ChatRequest(model: model, messages: messages)
        request.stream = true
        request.includeUsage = true
        return OpenAIWire.encodeRequest(request)
    }

    /// What one server-sent event's data means to the chat.
    enum Event: Equatable, Sendable {
        /// Answer text (possibly empty, e.g. the opening role-only chunk).
        case text(String)
        /// `[DONE]`: the answer is complete.
        case done
        /// `{"error": …}`: the stream failed after it had started; the line to show.
        case error(String)
        /// Usage figures (the last chunk with `include_usage`).
        case usage(prompt: Int, completion: Int)
        /// Anything else (an unreadable payload is ignored rather than ending the chat).
        case ignored
    }

    /// Interprets the data of one event of an OpenAI chat-completions stream.
    static func event(data: String) -> Event {
        let data = data.trimmingCharacters(in: .whitespaces)
        if data == "[DONE]" { return .done }
        guard let json = try? JSONParser.parse(data) else { return .ignored }
        if let error = json["error"], !error.isNull {
            return .error(errorLine(status: nil, error: error, retryAfter: nil))
        }
        // Decoded as the OpenAI adapter decodes upstream chunks.
        guard let chunk = try? OpenAIWire.decodeChunk(json, now: 0) else { return .ignored }
        if let first = chunk.choices.first { return .text(first.delta.content ?? "") }
        if let usage = chunk.usage { return .usage(prompt: usage.promptTokens, completion: usage.completionTokens) }
        return .ignored
    }

    /// One line for a failed request: its status, the error's code, the server's message, and
    /// when to retry. Falls back to the body's text (shortened) when it is not an OpenAI error.
    static func errorLine(status: Int, body: String, retryAfter: String?) -> String {
        if let json = try? JSONParser.parse(body), let error = json["error"] {
            return errorLine(status: status, error: error, retryAfter: retryAfter)
        }
        let text = body.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        let reason = text.isEmpty ? HTTPStatusReason.phrase(status) : String(text.prefix(300))
        return "error \(status): \(reason)" + retrySuffix(retryAfter)
    }

    static func errorLine(status: Int?, error: JSON, retryAfter: String?) -> String {
        let message = (error["message"]?.stringValue ?? error.stringValue ?? "unknown error")
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        let code = error["code"]?.stringValue ?? error["type"]?.stringValue
        var head = "error"
        switch (status, code) {
        case (let status?, let code?): head += " \(status) \(code)"
        case (let status?, nil): head += " \(status)"
        case (nil, let code?): head += " \(code)"
        case (nil, nil): break
        }
        return head + ": " + message + retrySuffix(retryAfter)
    }

    private static func retrySuffix(_ retryAfter: String?) -> String {
        guard let retryAfter, !retryAfter.isEmpty else { return "" }
        return " (retry after \(retryAfter)s)"
    }
}

/// Reason phrases for the statuses a gateway answers with, for bodies that carry no message.
enum HTTPStatusReason {
    static func phrase(_ status: Int) -> String {
        switch status {
        case 400: "bad request"
        case 401: "unauthorized (set --key or AJAR_API_KEY)"
        case 403: "forbidden"
        case 404: "not found"
        case 413: "request too large"
        case 429: "too many requests"
        case 500: "internal server error"
        case 502: "bad gateway"
        case 503: "service unavailable"
        case 504: "gateway timeout"
        default: "HTTP \(status)"
        }
    }
}
