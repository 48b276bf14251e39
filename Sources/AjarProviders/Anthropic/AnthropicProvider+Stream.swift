import AjarCore

extension AnthropicProvider {
    /// Turns Anthropic's streamed events into canonical (OpenAI-shaped) chunks.
    ///
    /// Anthropic's stream, per its "Streaming Messages" documentation:
    /// ```
    /// message_start        {"message":{"id","model","content":[],"usage":{"input_tokens",…}}}
    /// content_block_start  {"index":n,"content_block":{"type":"text","text":""}}
    ///                      or {"type":"tool_use","id","name","input":{}} (or "thinking", …)
    /// content_block_delta  {"index":n,"delta":{"type":"text_delta","text"}}
    ///                      or {"type":"input_json_delta","partial_json"} / thinking_delta / signature_delta
    /// content_block_stop   {"index":n}
    /// message_delta        {"delta":{"stop_reason","stop_sequence"},"usage":{"output_tokens",…}}
    /// message_stop         {}
    /// ping                 anywhere; error {"error":{"type","message"}} anywhere
    /// ```
    /// Text deltas become `delta.content`; a `tool_use` block start becomes the first
    /// ``ToolCallDelta`` of the n-th tool call (id, name, empty arguments) and its
    /// `input_json_delta`s the argument fragments; `message_delta` gives the finish reason; the
    /// usage (input from `message_start`, output from `message_delta`) ends the stream as a chunk
    /// with no choices, at `message_stop`. Thinking blocks are skipped.
    package struct StreamDecoder: StreamChunkDecoder {
        private var id = ""
        private var model = ""
        private let created: Int
        private var inputTokens = 0
        private var outputTokens = 0
        private var cacheReadTokens: Int?
        private var cacheCreationTokens: Int?
        /// Canonical tool-call index for each Anthropic content-block index that is a `tool_use`.
        private var toolIndexByBlock: [Int: Int] = [:]
        private var sawStart = false
        private var sawStop = false

        /// - Parameter created: Unix seconds to stamp the chunks with.
        package init(created: Int) {
            self.created = created
        }

        package mutating func decode(_ event: SSEParser.Event) throws -> [ChatChunk] {
            let json: JSON
            do {
                json = try JSONParser.parse(event.data)
            } catch {
                throw ProviderError.malformedResponse("Anthropic stream event is not JSON: \(error)")
            }
            let type = json["type"]?.stringValue ?? event.name ?? ""
            switch type {
            case "message_start":
                return messageStart(json["message"])
            case "content_block_start":
                return contentBlockStart(json)
            case "content_block_delta":
                return contentBlockDelta(json)
            case "message_delta":
                return messageDelta(json)
            case "message_stop":
                sawStop = true
                let usage = AnthropicWire.usage(
                    inputTokens: inputTokens, outputTokens: outputTokens,
                    cacheReadTokens: cacheReadTokens, cacheCreationTokens: cacheCreationTokens)
                return [ChatChunk(id: id, model: model, created: created, choices: [], usage: usage)]
            case "error":
                let errorType = json["error"]?["type"]?.stringValue ?? "api_error"
                let message = json["error"]?["message"]?.stringValue ?? errorType
                throw ProviderError.http(
                    status: AnthropicWire.status(forErrorType: errorType), message: message, retryAfter: nil)
            default:
                // `ping`, `content_block_stop`, and event types added after this was written.
                return []
            }
        }

        package mutating func finish() throws -> [ChatChunk] {
            guard sawStop else {
                throw ProviderError.streamEndedEarly(
                    sawStart ? "Anthropic stream ended before message_stop" : "Anthropic stream ended before message_start")
            }
            return []
        }

        // MARK: - Events

        private mutating func messageStart(_ message: JSON?) -> [ChatChunk] {
            sawStart = true
            id = message?["id"]?.stringValue ?? id
            model = message?["model"]?.stringValue ?? model
            if let usage = message?["usage"] { readUsage(usage) }
            return [chunk(ChunkDelta(role: .assistant, content: ""))]
        }

        private mutating func contentBlockStart(_ json: JSON) -> [ChatChunk] {
            guard let index = json["index"]?.intValue, let block = json["content_block"] else { return [] }
            switch block["type"]?.stringValue {
            case "text":
                guard let text = block["text"]?.stringValue, !text.isEmpty else { return [] }
                return [chunk(ChunkDelta(content: text))]
            case "tool_use":
                let toolIndex = toolIndexByBlock.count
                toolIndexByBlock[index] = toolIndex
                // The start block carries `input: {}`; the arguments follow as `input_json_delta`s.
                // A non-empty `input` here (not documented, but cheap to honour) is the whole input.
                var arguments = ""
                if let input = block["input"]?.objectValue, !input.isEmpty { arguments = JSON.object(input).text }
                let call = ToolCallDelta(
                    index: toolIndex, id: block["id"]?.stringValue, name: block["name"]?.stringValue,
                    arguments: arguments)
                return [chunk(ChunkDelta(toolCalls: [call]))]
            default:
                return []
            }
        }

        private mutating func contentBlockDelta(_ json: JSON) -> [ChatChunk] {
            guard let delta = json["delta"] else { return [] }
            switch delta["type"]?.stringValue {
            case "text_delta":
                guard let text = delta["text"]?.stringValue, !text.isEmpty else { return [] }
                return [chunk(ChunkDelta(content: text))]
            case "input_json_delta":
                guard let index = json["index"]?.intValue, let toolIndex = toolIndexByBlock[index],
                    let fragment = delta["partial_json"]?.stringValue, !fragment.isEmpty
                else { return [] }
                return [chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: toolIndex, arguments: fragment)]))]
            default:
                return []  // thinking_delta, signature_delta, citations_delta
            }
        }

        private mutating func messageDelta(_ json: JSON) -> [ChatChunk] {
            if let usage = json["usage"] { readUsage(usage) }
            let finish = AnthropicWire.finishReason(
                stopReason: json["delta"]?["stop_reason"]?.stringValue,
                stopSequence: json["delta"]?["stop_sequence"]?.stringValue)
            guard let finish else { return [] }
            return [ChatChunk(
                id: id, model: model, created: created,
                choices: [ChunkChoice(index: 0, delta: ChunkDelta(), finishReason: finish)])]
        }

        /// Usage counts are cumulative, so a later event's count replaces an earlier one.
        private mutating func readUsage(_ usage: JSON) {
            if let value = usage["input_tokens"]?.intValue { inputTokens = value }
            if let value = usage["output_tokens"]?.intValue { outputTokens = value }
            if let value = usage["cache_read_input_tokens"]?.intValue { cacheReadTokens = value }
            if let value = usage["cache_creation_input_tokens"]?.intValue { cacheCreationTokens = value }
        }

        private func chunk(_ delta: ChunkDelta) -> ChatChunk {
            ChatChunk(id: id, model: model, created: created, choices: [ChunkChoice(index: 0, delta: delta)])
        }
    }
}
