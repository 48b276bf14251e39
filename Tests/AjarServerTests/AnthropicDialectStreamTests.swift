import AjarCore
import AjarServer
import Testing

/// The Anthropic stream encoder: canonical chunks in, Anthropic's documented event sequence out.
@Suite struct AnthropicDialectStreamTests {
    private static func chunk(
        content: String? = nil, role: ChatMessage.Role? = nil, toolCalls: [ToolCallDelta] = [],
        finish: FinishReason? = nil, index: Int = 0
    ) -> ChatChunk {
        ChatChunk(
            id: "chatcmpl-1", model: "upstream", created: 1,
            choices: [ChunkChoice(index: index, delta: ChunkDelta(role: role, content: content, toolCalls: toolCalls), finishReason: finish)])
    }

    private static func usage(_ usage: Usage) -> ChatChunk {
        ChatChunk(id: "chatcmpl-1", model: "upstream", created: 1, choices: [], usage: usage)
    }

    /// Runs chunks through an encoder and returns each event as `name data`.
    private func run(_ chunks: [ChatChunk]) -> [String] {
        var encoder = AnthropicDialect.StreamEncoder(model: "my-alias", messageID: "msg_1")
        var events: [SSEEvent] = []
        for chunk in chunks { events += encoder.encode(chunk) }
        events += encoder.finish()
        events += encoder.finish()  // a second finish adds nothing
        return events.map { "\($0.name ?? "-") \($0.data)" }
    }

    private static let messageStart =
        #"message_start {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"my-alias","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#

    @Test("streams text as Anthropic documents it, with message_delta and usage from finish()")
    func text() {
        let events = run([
            Self.chunk(content: "", role: .assistant),
            Self.chunk(content: "Hello"),
            Self.chunk(content: " world"),
            Self.chunk(finish: .stop()),
            Self.chunk(content: "ignored", index: 1),
            Self.usage(Usage(promptTokens: 25, completionTokens: 2, cachedPromptTokens: 5)),
        ])
        #expect(events == [
            Self.messageStart,
            #"content_block_start {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"content_block_delta {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
            #"content_block_delta {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}"#,
            #"content_block_stop {"type":"content_block_stop","index":0}"#,
            #"message_delta {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":20,"cache_read_input_tokens":5,"output_tokens":2}}"#,
            #"message_stop {"type":"message_stop"}"#,
        ])
    }

    @Test("streams text then tool calls as separate blocks, arguments as input_json_delta")
    func toolCalls() {
        let events = run([
            Self.chunk(content: "", role: .assistant),
            Self.chunk(content: "Checking."),
            Self.chunk(toolCalls: [ToolCallDelta(index: 0, id: "call_a", name: "get_weather", arguments: "")]),
            Self.chunk(toolCalls: [ToolCallDelta(index: 0, arguments: #"{"location":"#)]),
            Self.chunk(toolCalls: [ToolCallDelta(index: 0, arguments: #""Paris"}"#)]),
            Self.chunk(toolCalls: [ToolCallDelta(index: 1, id: "call_b", name: "get_time", arguments: "{}")]),
            Self.chunk(finish: .toolCalls),
        ])
        #expect(events == [
            Self.messageStart,
            #"content_block_start {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"content_block_delta {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}"#,
            #"content_block_stop {"type":"content_block_stop","index":0}"#,
            #"content_block_start {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_a","name":"get_weather","input":{}}}"#,
            #"content_block_delta {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}"#,
            #"content_block_delta {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}"#,
            #"content_block_stop {"type":"content_block_stop","index":1}"#,
            #"content_block_start {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_b","name":"get_time","input":{}}}"#,
            #"content_block_delta {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#,
            #"content_block_stop {"type":"content_block_stop","index":2}"#,
            #"message_delta {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":0}}"#,
            #"message_stop {"type":"message_stop"}"#,
        ])
    }

    @Test("a stop sequence and a length finish are reported in message_delta")
    func finishReasons() {
        let stopped = run([Self.chunk(content: "a"), Self.chunk(finish: .stop(sequence: "END"))])
        #expect(stopped.contains { $0.contains(#""delta":{"stop_reason":"stop_sequence","stop_sequence":"END"}"#) })
        let cut = run([Self.chunk(content: "a"), Self.chunk(finish: .length)])
        #expect(cut.contains { $0.contains(#""stop_reason":"max_tokens""#) })
    }

    @Test("an empty stream is still a complete message")
    func emptyStream() {
        #expect(run([]) == [
            Self.messageStart,
            #"message_delta {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":0}}"#,
            #"message_stop {"type":"message_stop"}"#,
        ])
    }

    @Test("prefixes a message id that is not Anthropic's and generates missing tool ids")
    func ids() {
        var encoder = AnthropicDialect.StreamEncoder(model: "m", messageID: "req-9")
        let events = encoder.encode(Self.chunk(toolCalls: [ToolCallDelta(index: 0, name: "f")]))
        #expect(events[0].data.contains(#""id":"msg_req-9""#))
        #expect(events[1].data.contains(#""id":"toolu_req-9_0""#))
    }

    @Test("an error event has Anthropic's shape")
    func errorEvent() {
        let event = AnthropicDialect.StreamEncoder.error(.upstreamFailed(status: 529, message: "Overloaded"))
        #expect(event.name == "error")
        #expect(event.data == #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)
    }

    // MARK: - SSEEvent

    @Test("renders named and unnamed events, one data line per line")
    func sseBytes() {
        #expect(String(decoding: SSEEvent(name: "ping", data: #"{"type":"ping"}"#).bytes(), as: UTF8.self)
            == "event: ping\ndata: {\"type\":\"ping\"}\n\n")
        #expect(String(decoding: SSEEvent(data: "[DONE]").bytes(), as: UTF8.self) == "data: [DONE]\n\n")
        #expect(String(decoding: SSEEvent(data: "a\nb\r\nc\rd").bytes(), as: UTF8.self)
            == "data: a\ndata: b\ndata: c\ndata: d\n\n")
        #expect(String(decoding: SSEEvent(data: "").bytes(), as: UTF8.self) == "data: \n\n")
    }
}
