// Fake Anthropic Messages: `POST /v1/messages` (and `GET /v1/models` when the caller speaks
// Anthropic).
//
// Wire format after docs.anthropic.com/en/api/messages and …/messages-streaming: a `message`
// object (`id` "msg_…", `type`, `role`, `model`, `content` blocks, `stop_reason`,
// `stop_sequence`, `usage`), or with `stream: true` named events: `message_start` (the message
// with empty content), `content_block_start`, `ping`, `content_block_delta` (`text_delta` or
// `input_json_delta`, the latter beginning with an empty `partial_json`), `content_block_stop`,
// `message_delta` (`stop_reason`, `stop_sequence`, `usage.output_tokens`), `message_stop`; an
// error inside a stream is `event: error` with the error body.

import Hummingbird

enum FakeAnthropic {
    // MARK: - Handler

    static func messages(_ call: FakeCall) async -> Response {
        if let denied = authenticate(call) { return denied }
        guard let body = FakeRequestJSON.object(from: call.body) else {
            return invalid("There was an error parsing the body of your request: it is not valid JSON.").response
        }
        let request: MessagesRequest
        let version = call.header("anthropic-version") ?? ""
        switch parseMessages(body, rawBody: call.body, version: version, options: call.options) {
        case .success(let parsed): request = parsed
        case .failure(let error): return error.response
        }
        let model = request.conversation.model
        let scenario = Scenario(model: model)
        switch scenario {
        case .error(let status):
            return errorBody(status: status, model: model).response
        case .flaky(let failures):
            if call.flakyShouldFail(vendor: .anthropic, model: model, failures: failures) {
                return errorBody(status: 500, model: model).response
            }
        case .dieBeforeFirstToken where !request.isStream:
            return await call.dropConnection()
        case .slow where !request.isStream:
            await call.waitBeforeHead(scenario)
        default:
            break
        }
        let answer = FakeAnswer.make(for: request.conversation, scenario: scenario)
        let id = "msg_01" + FakeHTTP.randomID(22, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let headers = [("request-id", requestID())]
        if request.isStream {
            let plan = StreamPlan(
                events: streamEvents(id: id, model: model, answer: answer, inputTokens: request.conversation.promptTokens),
                cut: scenario.streamCut,
                errorEvent: event("error", errorBody(status: 529).body),
                delayMilliseconds: scenario.delayMilliseconds,
                splits: call.options.splitsStreams,
                seed: call.splitSeed
            )
            return FakeHTTP.sse(plan, contentType: "text/event-stream; charset=utf-8", headers: headers)
        }
        let message: FakeJSON = [
            "id": .string(id),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": [contentBlock(answer, toolID: toolUseID())],
            "stop_reason": .string(stopReason(answer.finish)),
            "stop_sequence": stopSequence(answer.finish),
            "stop_details": nil,
            "usage": usage(input: request.conversation.promptTokens, output: answer.completionTokens),
        ]
        return FakeHTTP.json(message, headers: headers)
    }

    // MARK: - Rendering

    static func requestID() -> String {
        "req_01" + FakeHTTP.randomID(22, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    }

    static func toolUseID() -> String {
        "toolu_01" + FakeHTTP.randomID(22, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    }

    static func stopReason(_ finish: FakeAnswer.Finish) -> String {
        switch finish {
        case .stop: "end_turn"
        case .length: "max_tokens"
        case .stopSequence: "stop_sequence"
        case .toolCalls: "tool_use"
        }
    }

    static func stopSequence(_ finish: FakeAnswer.Finish) -> FakeJSON {
        if case .stopSequence(let sequence) = finish { return .string(sequence) }
        return .null
    }

    static func usage(input: Int, output: Int) -> FakeJSON {
        [
            "input_tokens": .int(input),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": .int(output),
        ]
    }

    /// The tool input as a JSON value (the fake's arguments are always an object).
    static func toolInput(_ arguments: String) -> FakeJSON {
        FakeRequestJSON.object(from: Array(arguments.utf8)).map { FakeJSON(foundation: $0) } ?? [:]
    }

    static func contentBlock(_ answer: FakeAnswer, toolID: String) -> FakeJSON {
        switch answer.content {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .toolCall(let name, let arguments):
            return ["type": "tool_use", "id": .string(toolID), "name": .string(name), "input": toolInput(arguments)]
        }
    }

    /// One named event: `event: NAME\ndata: JSON\n\n`.
    static func event(_ name: String, _ data: FakeJSON, isContent: Bool = false) -> SSEEvent {
        SSEEvent("event: \(name)\ndata: \(data.serialized)\n\n", isContent: isContent)
    }

    static func streamEvents(id: String, model: String, answer: FakeAnswer, inputTokens: Int) -> [SSEEvent] {
        let start: FakeJSON = [
            "id": .string(id),
            "type": "message",
            "role": "assistant",
            "model": .string(model),
            "content": [],
            "stop_reason": nil,
            "stop_sequence": nil,
            "stop_details": nil,
            "usage": usage(input: inputTokens, output: 1),
        ]
        var events = [event("message_start", ["type": "message_start", "message": start])]
        let deltas: [FakeJSON]
        switch answer.content {
        case .text:
            events.append(
                event(
                    "content_block_start",
                    ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]
                )
            )
            deltas = answer.textPieces.map { ["type": "text_delta", "text": .string($0)] }
        case .toolCall(let name, let arguments):
            let block: FakeJSON = ["type": "tool_use", "id": .string(toolUseID()), "name": .string(name), "input": [:]]
            events.append(event("content_block_start", ["type": "content_block_start", "index": 0, "content_block": block]))
            deltas =
                [["type": "input_json_delta", "partial_json": ""]]
                + FakeAnswer.argumentFragments(arguments).map { ["type": "input_json_delta", "partial_json": .string($0)] }
        }
        events.append(SSEEvent("event: ping\ndata: {\"type\": \"ping\"}\n\n"))
        for delta in deltas {
            events.append(
                event("content_block_delta", ["type": "content_block_delta", "index": 0, "delta": delta], isContent: true)
            )
        }
        events.append(event("content_block_stop", ["type": "content_block_stop", "index": 0]))
        events.append(
            event(
                "message_delta",
                [
                    "type": "message_delta",
                    "delta": [
                        "stop_reason": .string(stopReason(answer.finish)), "stop_sequence": stopSequence(answer.finish),
                        "stop_details": nil,
                    ],
                    // Cumulative, as the API sends it today; older docs show only `output_tokens`.
                    "usage": usage(input: inputTokens, output: answer.completionTokens),
                ]
            )
        )
        events.append(event("message_stop", ["type": "message_stop"]))
        return events
    }

    // MARK: - Models

    static let modelIDs = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]

    /// `GET /v1/models` in Anthropic's paginated form.
    static func models(_ call: FakeCall) -> Response {
        if let denied = authenticate(call) { return denied }
        let data: [FakeJSON] = modelIDs.map { id in
            ["type": "model", "id": .string(id), "display_name": .string(id), "created_at": "2025-09-29T00:00:00Z"]
        }
        let page: FakeJSON = [
            "data": .array(data),
            "has_more": false,
            "first_id": .string(orNull: modelIDs.first),
            "last_id": .string(orNull: modelIDs.last),
        ]
        return FakeHTTP.json(page, headers: [("request-id", requestID())])
    }
}
