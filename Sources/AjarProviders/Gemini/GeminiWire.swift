import AjarCore

/// Google's Gemini API (Generative Language API, `v1beta`) wire format: endpoint URLs, headers,
/// error bodies, finish reasons, usage, and the translation of JSON Schema into the OpenAPI subset
/// Gemini's `Schema` object accepts.
///
/// References (Google AI for Developers):
/// - `models.generateContent` / `models.streamGenerateContent`: https://ai.google.dev/api/generate-content
/// - `Schema` and `FunctionDeclaration`: https://ai.google.dev/api/caching#Schema
/// - Function calling: https://ai.google.dev/gemini-api/docs/function-calling
/// - Structured output (`responseJsonSchema`): https://ai.google.dev/gemini-api/docs/structured-output
/// - Thought signatures: https://ai.google.dev/gemini-api/docs/thought-signatures
/// - Errors: https://ai.google.dev/gemini-api/docs/troubleshooting
package enum GeminiWire {
    /// The API version every URL uses.
    package static let apiVersion = "v1beta"
}

// MARK: - URLs and headers

extension GeminiWire {
    /// The `generateContent` (or, with `stream`, `streamGenerateContent?alt=sse`) URL for `model`.
    ///
    /// - Parameters:
    ///   - baseURL: `https://generativelanguage.googleapis.com`, with or without a trailing `/`,
    ///     `/v1beta` or `/v1beta/`.
    ///   - model: The upstream model name (`gemini-2.5-flash`); a leading `models/` (the
    ///     resource-name form) is dropped. The rest is percent-encoded as one path segment.
    ///   - stream: Whether to use the server-sent-events endpoint.
    package static func url(baseURL: String, model: String, stream: Bool) -> String {
        var root = Substring(baseURL)
        while root.hasSuffix("/") { root = root.dropLast() }
        if root.hasSuffix("/" + apiVersion) { root = root.dropLast(apiVersion.count + 1) }
        var name = Substring(model)
        if name.hasPrefix("models/") { name = name.dropFirst("models/".count) }
        let method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
        return "\(root)/\(apiVersion)/models/\(percentEncodePathSegment(String(name))):\(method)"
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters, so a model name can never
    /// add a path segment, a query or a fragment.
    static func percentEncodePathSegment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])"
            }
        }
        return out
    }

    /// The headers of a request: the key goes in `x-goog-api-key` (never in the URL, where it
    /// would end up in access logs), and there is no `Authorization` header.
    static func headers(apiKey: Secret?) -> [(String, String)] {
        guard let apiKey, !apiKey.isEmpty else { return [] }
        return [("x-goog-api-key", apiKey.value)]
    }
}

// MARK: - Errors

extension GeminiWire {
    /// The message of a Google error body, `{"error": {"code", "message", "status"}}`. Streaming
    /// endpoints sometimes wrap it in an array (`[{"error": {...}}]`), which is accepted too.
    package static func errorMessage(_ json: JSON?, _ text: String) -> String {
        let body = json?.arrayValue?.first ?? json
        if let message = body?["error"]?["message"]?.stringValue { return message }
        if let message = body?["error"]?.stringValue { return message }
        return String(text.prefix(500))
    }

    /// The error an in-stream `{"error": {...}}` event stands for, if `json` is one.
    static func streamError(_ json: JSON) -> ProviderError? {
        guard let error = json["error"]?.objectValue else { return nil }
        let status = error["code"]?.intValue ?? 500
        let message = error["message"]?.stringValue ?? "the stream reported an error"
        return .http(status: (400...599).contains(status) ? status : 500, message: message, retryAfter: nil)
    }
}

// MARK: - Finish reasons and usage

extension GeminiWire {
    /// Canonical finish reason for a candidate's `finishReason`.
    ///
    /// `STOP` is a natural end or a stop sequence (Gemini does not say which); when the candidate
    /// called functions it becomes `.toolCalls`, as OpenAI reports it. The reasons Google documents
    /// as a content block (safety, recitation, blocklist, prohibited content, SPII, image safety)
    /// become `.contentFilter`; the rest (`MALFORMED_FUNCTION_CALL`, `OTHER`, `LANGUAGE`, …) are
    /// passed on verbatim.
    package static func finishReason(_ raw: String, hasToolCalls: Bool) -> FinishReason {
        switch raw {
        case "STOP": hasToolCalls ? .toolCalls : .stop()
        case "MAX_TOKENS": .length
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
            "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION":
            .contentFilter
        default: .other(raw)
        }
    }

    /// Canonical usage for a `usageMetadata` object.
    ///
    /// Gemini counts thinking apart from the answer (`thoughtsTokenCount` beside
    /// `candidatesTokenCount`) and bills both as output; OpenAI's `completion_tokens` include the
    /// reasoning tokens. So `completionTokens` = candidates + thoughts, with the thoughts also in
    /// `reasoningTokens`. Tokens of tool results the API fed back itself (`toolUsePromptTokenCount`)
    /// are billed as input and count as prompt tokens, so the total matches `totalTokenCount`.
    package static func usage(_ json: JSON?) -> Usage? {
        guard let metadata = json?.objectValue else { return nil }
        let thoughts = metadata["thoughtsTokenCount"]?.intValue
        let prompt =
            (metadata["promptTokenCount"]?.intValue ?? 0) + (metadata["toolUsePromptTokenCount"]?.intValue ?? 0)
        return Usage(
            promptTokens: prompt,
            completionTokens: (metadata["candidatesTokenCount"]?.intValue ?? 0) + (thoughts ?? 0),
            cachedPromptTokens: metadata["cachedContentTokenCount"]?.intValue,
            reasoningTokens: thoughts)
    }

    /// A candidate's `logprobsResult` in OpenAI's `logprobs` shape (`{"content": [{token, logprob,
    /// bytes, top_logprobs}]}`), best effort: Gemini gives the chosen token and the top candidates
    /// per decoding step.
    static func logprobs(_ json: JSON?) -> JSON? {
        guard let result = json?.objectValue, let chosen = result["chosenCandidates"]?.arrayValue else { return nil }
        let top = result["topCandidates"]?.arrayValue ?? []
        var content: [JSON] = []
        for (step, candidate) in chosen.enumerated() {
            var entry = logprobEntry(candidate)
            let alternatives = step < top.count ? top[step]["candidates"]?.arrayValue ?? [] : []
            entry["top_logprobs"] = .array(alternatives.map { .object(logprobEntry($0)) })
            content.append(.object(entry))
        }
        return ["content": .array(content)]
    }

    private static func logprobEntry(_ candidate: JSON) -> JSONObject {
        let token = candidate["token"]?.stringValue ?? ""
        return [
            "token": .string(token),
            "logprob": JSON(candidate["logProbability"]?.doubleValue ?? 0),
            "bytes": .array(token.utf8.map { JSON(Int($0)) }),
        ]
    }
}

// MARK: - Tool call ids and thought signatures

extension GeminiWire {
    /// Separates a generated call id from the thought signature carried inside it.
    static let signatureMarker = "__ts_"

    /// The id a function call gets: `call_<n>`, counted over the whole response.
    ///
    /// Gemini calls have no id we can rely on, and thinking models attach an opaque
    /// `thoughtSignature` to function-call parts that must come back, verbatim, with the call in
    /// the next request (Gemini 3 refuses a function-calling turn without it). The canonical
    /// ``ToolCall`` has no field for it, but every client echoes a call's id, so the signature
    /// travels inside the id as base64url (`call_0__ts_<signature>`), which keeps the id within
    /// `[A-Za-z0-9_-]` as Anthropic clients expect.
    static func toolCallID(number: Int, thoughtSignature: String?) -> String {
        guard let thoughtSignature, !thoughtSignature.isEmpty else { return "call_\(number)" }
        var encoded = ""
        for character in thoughtSignature.unicodeScalars {
            switch character {
            case "+": encoded += "-"
            case "/": encoded += "_"
            case "=": continue
            default: encoded.unicodeScalars.append(character)
            }
        }
        return "call_\(number)\(signatureMarker)\(encoded)"
    }

    /// The thought signature (standard base64, padded) carried in a call id made by
    /// ``toolCallID(number:thoughtSignature:)``, or `nil` for any other id.
    static func thoughtSignature(fromToolCallID id: String) -> String? {
        guard id.hasPrefix("call_"), let marker = id.range(of: signatureMarker) else { return nil }
        var signature = ""
        for character in id[marker.upperBound...].unicodeScalars {
            switch character {
            case "-": signature += "+"
            case "_": signature += "/"
            default: signature.unicodeScalars.append(character)
            }
        }
        guard !signature.isEmpty else { return nil }
        while signature.unicodeScalars.count % 4 != 0 { signature += "=" }
        return signature
    }
}
