// Fake OpenAI Chat Completions: `POST /v1/chat/completions`.
//
// Wire format after the OpenAI API reference (platform.openai.com/docs/api-reference/chat):
// a `chat.completion` object, or with `stream: true` `data: {chat.completion.chunk}\n\n`
// events ended by `data: [DONE]\n\n`. A stream's first chunk per choice carries the role, then
// one chunk per word, then a chunk with an empty delta and the `finish_reason`; with
// `stream_options.include_usage` every chunk has `"usage": null` and a last chunk has
// `"choices": []` and the usage. Tool calls stream as `delta.tool_calls[{index, id, type,
// function: {name, arguments: ""}}]` followed by `function.arguments` fragments.

import Hummingbird

enum FakeOpenAI {
    static let fingerprint = "fp_f4k3v3nd0r"

    /// Every top-level field the Chat Completions API accepts; anything else is rejected as the
    /// real API does ("Unrecognized request argument supplied").
    static let chatFields: Set<String> = [
        "model", "messages", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
        "max_completion_tokens", "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction",
        "presence_penalty", "prompt_cache_key", "prompt_cache_retention", "reasoning_effort", "response_format",
        "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options", "temperature",
        "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
    ]

    static let roles = ["system", "assistant", "user", "function", "tool", "developer"]

    /// The request as the fake understood it.
    struct ChatRequest {
        var conversation: FakeConversation
        var choiceCount = 1
        var isStream = false
        var includesUsage = false
    }

    // MARK: - Handler

    static func chatCompletions(_ call: FakeCall) async -> Response {
        if let denied = authenticate(call) { return denied }
        guard let body = FakeRequestJSON.object(from: call.body) else { return unparsableBody() }
        let request: ChatRequest
        switch parseChat(body, rawBody: call.body, options: call.options) {
        case .success(let parsed): request = parsed
        case .failure(let error): return error.response
        }
        let model = request.conversation.model
        let scenario = Scenario(model: model)
        if let response = await prelude(call, scenario: scenario, model: model, isStream: request.isStream) {
            return response
        }
        let answers = (0..<request.choiceCount).map {
            FakeAnswer.make(for: request.conversation, scenario: scenario, choice: $0)
        }
        let usage = usageJSON(
            prompt: request.conversation.promptTokens,
            completion: answers.reduce(0) { $0 + $1.completionTokens }
        )
        let id = "chatcmpl-" + FakeHTTP.randomID(29, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        if request.isStream {
            let plan = StreamPlan(
                events: streamEvents(id: id, model: model, answers: answers, usage: request.includesUsage ? usage : nil),
                cut: scenario.streamCut,
                errorEvent: SSEEvent("data: " + errorBody(status: 500, model: model).body.serialized + "\n\n"),
                delayMilliseconds: scenario.delayMilliseconds,
                splits: call.options.splitsStreams,
                seed: call.splitSeed
            )
            return FakeHTTP.sse(plan, contentType: "text/event-stream; charset=utf-8", headers: responseHeaders())
        }
        let choices: [FakeJSON] = answers.enumerated().map { index, answer in
            [
                "index": .int(index),
                "message": messageJSON(answer, choice: index),
                "logprobs": nil,
                "finish_reason": .string(finishReason(answer.finish)),
            ]
        }
        let completion: FakeJSON = [
            "id": .string(id),
            "object": "chat.completion",
            "created": .int(FakeHTTP.now),
            "model": .string(model),
            "choices": .array(choices),
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": .string(fingerprint),
        ]
        return FakeHTTP.json(completion, headers: responseHeaders())
    }

    /// Scenario steps shared by chat and embeddings before the answer is made: scripted errors,
    /// flaky failures, dropped connections and waits. `nil` means "go on and answer".
    static func prelude(_ call: FakeCall, scenario: Scenario, model: String, isStream: Bool) async -> Response? {
        switch scenario {
        case .error(let status):
            return errorResponse(errorBody(status: status == 529 ? 503 : status, model: model))
        case .flaky(let failures):
            if call.flakyShouldFail(vendor: .openai, model: model, failures: failures) {
                return errorResponse(errorBody(status: 500, model: model))
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

    static func responseHeaders() -> [(String, String)] {
        [
            ("x-request-id", "req_" + FakeHTTP.randomID(32, alphabet: "0123456789abcdef")),
            ("openai-version", "2020-10-01"),
            ("openai-processing-ms", "1"),
        ]
    }

    // MARK: - Rendering

    static func finishReason(_ finish: FakeAnswer.Finish) -> String {
        switch finish {
        case .stop, .stopSequence: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        }
    }

    static func toolCallID(choice: Int) -> String {
        "call_" + FakeHTTP.randomID(24, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            + (choice > 0 ? "\(choice)" : "")
    }

    static func messageJSON(_ answer: FakeAnswer, choice: Int) -> FakeJSON {
        switch answer.content {
        case .text(let text):
            return ["role": "assistant", "content": .string(text), "refusal": nil, "annotations": []]
        case .toolCall(let name, let arguments):
            let call: FakeJSON = [
                "id": .string(toolCallID(choice: choice)),
                "type": "function",
                "function": ["name": .string(name), "arguments": .string(arguments)],
            ]
            return ["role": "assistant", "content": nil, "tool_calls": [call], "refusal": nil, "annotations": []]
        }
    }

    static func usageJSON(prompt: Int, completion: Int) -> FakeJSON {
        [
            "prompt_tokens": .int(prompt),
            "completion_tokens": .int(completion),
            "total_tokens": .int(prompt + completion),
            "prompt_tokens_details": ["cached_tokens": 0, "audio_tokens": 0],
            "completion_tokens_details": [
                "reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            ],
        ]
    }

    /// The chunk events of a stream: role chunks, content chunks (round-robin over choices, as
    /// the API interleaves them), finish chunks, the usage chunk, `[DONE]`.
    static func streamEvents(id: String, model: String, answers: [FakeAnswer], usage: FakeJSON?) -> [SSEEvent] {
        let created = FakeHTTP.now
        func chunk(_ choices: [FakeJSON], usage chunkUsage: FakeJSON? = nil, isContent: Bool = false) -> SSEEvent {
            var members: [FakeJSON.Member] = [
                .init(key: "id", value: .string(id)),
                .init(key: "object", value: "chat.completion.chunk"),
                .init(key: "created", value: .int(created)),
                .init(key: "model", value: .string(model)),
                .init(key: "service_tier", value: "default"),
                .init(key: "system_fingerprint", value: .string(fingerprint)),
                .init(key: "choices", value: .array(choices)),
            ]
            if usage != nil { members.append(.init(key: "usage", value: chunkUsage ?? .null)) }
            return SSEEvent("data: " + FakeJSON.object(members).serialized + "\n\n", isContent: isContent)
        }
        func choice(_ index: Int, delta: FakeJSON, finish: String? = nil) -> FakeJSON {
            ["index": .int(index), "delta": delta, "logprobs": nil, "finish_reason": .string(orNull: finish)]
        }

        var events: [SSEEvent] = []
        var deltas: [[FakeJSON]] = []
        for (index, answer) in answers.enumerated() {
            switch answer.content {
            case .text:
                events.append(chunk([choice(index, delta: ["role": "assistant", "content": "", "refusal": nil])]))
                deltas.append(answer.textPieces.map { ["content": .string($0)] })
            case .toolCall(let name, let arguments):
                let start: FakeJSON = [
                    "index": 0, "id": .string(toolCallID(choice: index)), "type": "function",
                    "function": ["name": .string(name), "arguments": ""],
                ]
                events.append(
                    chunk([choice(index, delta: ["role": "assistant", "content": nil, "tool_calls": [start], "refusal": nil])])
                )
                deltas.append(
                    FakeAnswer.argumentFragments(arguments).map { fragment in
                        ["tool_calls": [["index": 0, "function": ["arguments": .string(fragment)]]]]
                    }
                )
            }
        }
        let longest = deltas.map(\.count).max() ?? 0
        for step in 0..<longest {
            for (index, pieces) in deltas.enumerated() where step < pieces.count {
                events.append(chunk([choice(index, delta: pieces[step])], isContent: true))
            }
        }
        for (index, answer) in answers.enumerated() {
            events.append(chunk([choice(index, delta: [:], finish: finishReason(answer.finish))]))
        }
        if let usage { events.append(chunk([], usage: usage)) }
        events.append(SSEEvent("data: [DONE]\n\n"))
        return events
    }
}
