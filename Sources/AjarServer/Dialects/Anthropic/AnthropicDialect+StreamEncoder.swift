import AjarCore

extension AnthropicDialect {
    /// Turns a canonical chunk stream into Anthropic's stream events, as Anthropic's SDKs
    /// accumulate them:
    /// ```
    /// message_start        {"type":"message_start","message":{…,"content":[],"usage":{"input_tokens":0,"output_tokens":0}}}
    /// content_block_start  {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
    /// content_block_delta  {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}
    /// content_block_stop   {"type":"content_block_stop","index":0}
    /// content_block_start  {…,"index":1,"content_block":{"type":"tool_use","id":…,"name":…,"input":{}}}
    /// content_block_delta  {…,"index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}
    /// content_block_stop   {"type":"content_block_stop","index":1}
    /// message_delta        {"type":"message_delta","delta":{"stop_reason":…,"stop_sequence":…},"usage":{"output_tokens":…}}
    /// message_stop         {"type":"message_stop"}
    /// ```
    /// A pure state machine: the route feeds it chunks and writes the events it returns. Only
    /// choice 0 is streamed. `message_delta` and `message_stop` come from ``finish()``, not from
    /// the finish-reason chunk, because the canonical stream delivers usage in a last chunk after
    /// it. The prompt size is unknown when `message_start` goes out (vendors report it at the end),
    /// so `message_start` says 0 input tokens and `message_delta` carries the real `input_tokens`
    /// next to `output_tokens` (as Anthropic's own `message_delta` usage does; SDKs take the later
    /// value).
    package struct StreamEncoder: Sendable {
        private let model: String
        private let messageID: String
        private var started = false
        private var finished = false
        /// The open content block: its Anthropic index, and whether it is text (else a tool call).
        private var openBlock: (index: Int, isText: Bool)?
        private var nextBlockIndex = 0
        /// Anthropic block index of each canonical tool call (by ``ToolCallDelta/index``).
        private var toolBlocks: [Int: Int] = [:]
        private var finishReason: FinishReason?
        private var usage: Usage?

        /// - Parameters:
        ///   - model: The model name the client asked for, echoed in `message_start`.
        ///   - messageID: The message id (prefixed with `msg_` if it is not already).
        package init(model: String, messageID: String) {
            self.model = model
            self.messageID = AnthropicDialect.messageID(messageID)
        }

        /// The events one canonical chunk produces (none for role-only or other-choice chunks,
        /// except the opening `message_start`).
        package mutating func encode(_ chunk: ChatChunk) -> [SSEEvent] {
            guard !finished else { return [] }
            if let usage = chunk.usage { self.usage = usage }
            var events: [SSEEvent] = []
            for choice in chunk.choices where choice.index == 0 {
                start(into: &events)
                if let text = choice.delta.content, !text.isEmpty { appendText(text, into: &events) }
                if let refusal = choice.delta.refusal, !refusal.isEmpty { appendText(refusal, into: &events) }
                for call in choice.delta.toolCalls { appendToolCall(call, into: &events) }
                if let finish = choice.finishReason { finishReason = finish }
            }
            return events
        }

        /// Closes the message: the open block's `content_block_stop`, then `message_delta` (stop
        /// reason and usage) and `message_stop`. Call once, when the canonical stream has ended
        /// without error; later calls return nothing.
        package mutating func finish() -> [SSEEvent] {
            guard !finished else { return [] }
            var events: [SSEEvent] = []
            start(into: &events)
            closeBlock(into: &events)
            finished = true
            let stop = AnthropicDialect.stopReason(finishReason, hasToolUse: !toolBlocks.isEmpty)
            var usageObject: JSONObject = [:]
            if let usage {
                let cached = usage.cachedPromptTokens
                usageObject["input_tokens"] = JSON(max(0, usage.promptTokens - (cached ?? 0)))
                if let cached { usageObject["cache_read_input_tokens"] = JSON(cached) }
            }
            usageObject["output_tokens"] = JSON(usage?.completionTokens ?? 0)
            events.append(Self.event("message_delta", [
                "type": "message_delta",
                "delta": ["stop_reason": .string(stop.reason), "stop_sequence": JSON(stop.sequence)],
                "usage": .object(usageObject),
            ]))
            events.append(Self.event("message_stop", ["type": "message_stop"]))
            return events
        }

        /// An `error` event, for a failure after the stream has begun (the HTTP status is
        /// already sent): `{"type":"error","error":{"type":"overloaded_error","message":…}}`.
        package static func error(_ error: GatewayError) -> SSEEvent {
            let body: JSON = [
                "type": "error",
                "error": [
                    "type": .string(AnthropicDialect.errorType(forStatus: error.status)),
                    "message": .string(error.message),
                ],
            ]
            return SSEEvent(name: "error", data: body.text)
        }

        /// A keep-alive `ping` event (`{"type":"ping"}`), which Anthropic's SDKs ignore.
        package static func ping() -> SSEEvent {
            event("ping", ["type": "ping"])
        }

        // MARK: - Transitions

        private mutating func start(into events: inout [SSEEvent]) {
            guard !started else { return }
            started = true
            events.append(Self.event("message_start", [
                "type": "message_start",
                "message": [
                    "id": .string(messageID),
                    "type": "message",
                    "role": "assistant",
                    "model": .string(model),
                    "content": [],
                    "stop_reason": nil,
                    "stop_sequence": nil,
                    "usage": ["input_tokens": 0, "output_tokens": 0],
                ],
            ]))
        }

        private mutating func appendText(_ text: String, into events: inout [SSEEvent]) {
            if openBlock?.isText != true {
                closeBlock(into: &events)
                let index = openNewBlock(isText: true)
                events.append(Self.event("content_block_start", [
                    "type": "content_block_start", "index": JSON(index),
                    "content_block": ["type": "text", "text": ""],
                ]))
            }
            let index = openBlock?.index ?? 0
            events.append(Self.event("content_block_delta", [
                "type": "content_block_delta", "index": JSON(index),
                "delta": ["type": "text_delta", "text": .string(text)],
            ]))
        }

        private mutating func appendToolCall(_ call: ToolCallDelta, into events: inout [SSEEvent]) {
            let blockIndex: Int
            if let existing = toolBlocks[call.index] {
                // A fragment of a call already started. If another block has been opened since
                // (an upstream interleaving calls), the delta still names the call's own block;
                // the SDKs' accumulators append by index.
                blockIndex = existing
            } else {
                closeBlock(into: &events)
                blockIndex = openNewBlock(isText: false)
                toolBlocks[call.index] = blockIndex
                let id = call.id ?? "toolu_\(messageID.dropFirst(4))_\(call.index)"
                events.append(Self.event("content_block_start", [
                    "type": "content_block_start", "index": JSON(blockIndex),
                    "content_block": ["type": "tool_use", "id": .string(id), "name": .string(call.name ?? ""), "input": [:]],
                ]))
            }
            if let fragment = call.arguments, !fragment.isEmpty {
                events.append(Self.event("content_block_delta", [
                    "type": "content_block_delta", "index": JSON(blockIndex),
                    "delta": ["type": "input_json_delta", "partial_json": .string(fragment)],
                ]))
            }
        }

        private mutating func openNewBlock(isText: Bool) -> Int {
            let index = nextBlockIndex
            nextBlockIndex += 1
            openBlock = (index, isText)
            return index
        }

        private mutating func closeBlock(into events: inout [SSEEvent]) {
            guard let block = openBlock else { return }
            openBlock = nil
            events.append(Self.event("content_block_stop", ["type": "content_block_stop", "index": JSON(block.index)]))
        }

        private static func event(_ name: String, _ data: JSON) -> SSEEvent {
            SSEEvent(name: name, data: data.text)
        }
    }
}
