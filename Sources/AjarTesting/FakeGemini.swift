// Fake Gemini API (v1beta): `POST /v1beta/models/{model}:generateContent`,
// `…:streamGenerateContent?alt=sse`, `…:embedContent`, `…:batchEmbedContents`, and
// `GET /v1beta/models`.
//
// Wire format after ai.google.dev/api/generate-content: a `GenerateContentResponse`
// (`candidates[].content.parts[]` with `text` or `functionCall {name, args}`, `finishReason`
// STOP / MAX_TOKENS / SAFETY, `index`; `usageMetadata` with `promptTokenCount`,
// `candidatesTokenCount`, `totalTokenCount`; `modelVersion`; `responseId`). With `alt=sse` every
// event is `data: {GenerateContentResponse}\r\n\r\n` (Google ends SSE lines with CRLF); the last
// event carries `finishReason` and the full usage; there is no terminator event. Without
// `alt=sse` the stream is one JSON array of those objects.

import Hummingbird

enum FakeGemini {
    /// The method after the colon in `models/{model}:{method}`.
    enum Method: String {
        case generateContent
        case streamGenerateContent
        case embedContent
        case batchEmbedContents
    }

    // MARK: - Handler

    static func handle(_ call: FakeCall, model: String, method: Method) async -> Response {
        if let denied = authenticate(call) { return denied }
        guard let body = FakeRequestJSON.object(from: call.body) else {
            return invalid(
                "Invalid JSON payload received. Unexpected token.",
                details: [badRequest("Invalid JSON payload received. Unexpected token.")]
            ).response
        }
        switch method {
        case .generateContent, .streamGenerateContent:
            return await generate(call, body: body, model: model, isStream: method == .streamGenerateContent)
        case .embedContent, .batchEmbedContents:
            return await embed(call, body: body, model: model, isBatch: method == .batchEmbedContents)
        }
    }

    /// Scenario steps before the answer; `nil` means "go on and answer".
    static func prelude(_ call: FakeCall, scenario: Scenario, model: String, isStream: Bool) async -> Response? {
        switch scenario {
        case .error(let status):
            return errorBody(status: status == 529 ? 503 : status, model: model).response
        case .flaky(let failures):
            if call.flakyShouldFail(vendor: .gemini, model: model, failures: failures) {
                return errorBody(status: 500, model: model).response
            }
        case .dieBeforeFirstToken where !isStream:
            return await call.dropConnection()
        case .slow where !isStream:
            await call.waitBeforeHead(scenario)
        default:
            break
        }
        return nil
    }

    private static func generate(_ call: FakeCall, body: [String: Any], model: String, isStream: Bool) async -> Response {
        let conversation: FakeConversation
        switch parseGenerate(body, model: model, rawBody: call.body, options: call.options) {
        case .success(let parsed): conversation = parsed
        case .failure(let error): return error.response
        }
        let scenario = Scenario(model: model)
        if let response = await prelude(call, scenario: scenario, model: model, isStream: isStream) { return response }
        let answer = FakeAnswer.make(for: conversation, scenario: scenario)
        let responseID = FakeHTTP.randomID(22, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let render = Renderer(model: model, responseID: responseID, promptTokens: conversation.promptTokens)
        guard isStream else {
            return FakeHTTP.json(render.response(answer), headers: [("content-type", "application/json; charset=UTF-8")])
        }
        let chunks = render.streamChunks(answer)
        let isSSE = call.query["alt"] == "sse"
        var events: [SSEEvent]
        if isSSE {
            events = chunks.map { SSEEvent("data: " + $0.serialized + "\r\n\r\n", isContent: true) }
        } else {
            // One JSON array, written element by element as the API does.
            events = chunks.enumerated().map { index, chunk in
                SSEEvent((index == 0 ? "[" : "\r\n,") + chunk.serialized, isContent: true)
            }
            events.append(SSEEvent("\r\n]"))
        }
        let errorText = errorBody(status: 503, model: model).body.serialized
        let plan = StreamPlan(
            events: events,
            cut: scenario.streamCut,
            errorEvent: SSEEvent(isSSE ? "data: " + errorText + "\r\n\r\n" : "\r\n," + errorText + "\r\n]"),
            delayMilliseconds: scenario.delayMilliseconds,
            splits: call.options.splitsStreams,
            seed: call.splitSeed
        )
        return FakeHTTP.sse(plan, contentType: isSSE ? "text/event-stream" : "application/json; charset=UTF-8")
    }

    // MARK: - Rendering

    /// Renders answers for one response.
    struct Renderer {
        var model: String
        var responseID: String
        var promptTokens: Int

        static func finishReason(_ finish: FakeAnswer.Finish) -> String {
            finish == .length ? "MAX_TOKENS" : "STOP"
        }

        func part(_ answer: FakeAnswer, text: String) -> FakeJSON {
            switch answer.content {
            case .text:
                return ["text": .string(text)]
            case .toolCall(let name, let arguments):
                let args = FakeRequestJSON.object(from: Array(arguments.utf8)).map { FakeJSON(foundation: $0) } ?? [:]
                return ["functionCall": ["name": .string(name), "args": args]]
            }
        }

        func usage(completion: Int?) -> FakeJSON {
            var members: [FakeJSON.Member] = [.init(key: "promptTokenCount", value: .int(promptTokens))]
            if let completion { members.append(.init(key: "candidatesTokenCount", value: .int(completion))) }
            members.append(.init(key: "totalTokenCount", value: .int(promptTokens + (completion ?? 0))))
            members.append(
                .init(key: "promptTokensDetails", value: [["modality": "TEXT", "tokenCount": .int(promptTokens)]])
            )
            return .object(members)
        }

        func envelope(parts: [FakeJSON], finish: String?, usage: FakeJSON) -> FakeJSON {
            var candidate: [FakeJSON.Member] = [
                .init(key: "content", value: ["parts": .array(parts), "role": "model"])
            ]
            if let finish { candidate.append(.init(key: "finishReason", value: .string(finish))) }
            candidate.append(.init(key: "index", value: 0))
            return [
                "candidates": [.object(candidate)],
                "usageMetadata": usage,
                "modelVersion": .string(model),
                "responseId": .string(responseID),
            ]
        }

        func response(_ answer: FakeAnswer) -> FakeJSON {
            envelope(
                parts: [part(answer, text: answer.text)],
                finish: Self.finishReason(answer.finish),
                usage: usage(completion: answer.completionTokens)
            )
        }

        /// One chunk per word; the last carries the finish reason and the full usage.
        func streamChunks(_ answer: FakeAnswer) -> [FakeJSON] {
            guard case .text = answer.content, answer.textPieces.count > 1 else { return [response(answer)] }
            let pieces = answer.textPieces
            return pieces.enumerated().map { index, piece in
                let isLast = index == pieces.count - 1
                return envelope(
                    parts: [part(answer, text: piece)],
                    finish: isLast ? Self.finishReason(answer.finish) : nil,
                    usage: usage(completion: isLast ? answer.completionTokens : nil)
                )
            }
        }
    }

    // MARK: - Models

    static let modelIDs = ["gemini-2.5-flash", "gemini-2.5-pro", "text-embedding-004"]

    static func models(_ call: FakeCall) -> Response {
        if let denied = authenticate(call) { return denied }
        let models: [FakeJSON] = modelIDs.map { id in
            let methods: FakeJSON =
                id.hasPrefix("text-embedding")
                ? ["embedContent", "batchEmbedContents"] : ["generateContent", "streamGenerateContent", "countTokens"]
            return [
                "name": .string("models/" + id),
                "version": "001",
                "displayName": .string(id),
                "inputTokenLimit": 1_048_576,
                "outputTokenLimit": 65_536,
                "supportedGenerationMethods": methods,
            ]
        }
        return FakeHTTP.json(["models": .array(models)])
    }
}
