import AjarCore
import Testing

/// The canonical chat types' behaviour: message text, inline images, finish reasons, usage and
/// what counts as a chunk's first output.
@Suite struct ChatTypesTests {
    @Test("a string message is one text part that remembers it was a string")
    func stringMessage() {
        let message = ChatMessage(role: .user, text: "Hi")
        #expect(message.content == [.text("Hi")])
        #expect(message.contentIsString)
        #expect(message.toolCalls.isEmpty)
        #expect(message.toolCallID == nil)
    }

    @Test("text joins the text parts and skips the others")
    func messageText() {
        let message = ChatMessage(
            role: .user,
            content: [
                .text("a"), .image(ImageSource(url: "https://x/y.png")), .text("b"),
                .audio(data: "AAAA", format: "wav"),
                .file(["file_id": "f1"]), .text("c"),
            ])
        #expect(message.text == "abc")
        #expect(!message.contentIsString)
        #expect(ChatMessage(role: .assistant, content: []).text == "")
    }

    static let dataURLs: [(String, String?, String?)] = [
        ("data:image/png;base64,iVBORw0KGgo=", "image/png", "iVBORw0KGgo="),
        ("data:;base64,AAAA", "application/octet-stream", "AAAA"),
        ("data:image/jpeg;base64,", "image/jpeg", ""),
        ("data:text/plain,hello", nil, nil),
        ("data:image/png;base64", nil, nil),
        ("https://example.com/cat.png", nil, nil),
        ("DATA:image/png;base64,AAAA", nil, nil),
    ]

    @Test("inlineData splits base64 data URLs and refuses everything else", arguments: dataURLs)
    func inlineData(url: String, mediaType: String?, base64: String?) {
        let inline = ImageSource(url: url).inlineData
        #expect(inline?.mediaType == mediaType)
        #expect(inline?.base64 == base64)
    }

    static let finishReasons: [(String, FinishReason, String)] = [
        ("stop", .stop(), "stop"),
        ("length", .length, "length"),
        ("tool_calls", .toolCalls, "tool_calls"),
        ("function_call", .toolCalls, "tool_calls"),
        ("content_filter", .contentFilter, "content_filter"),
        ("something_new", .other("something_new"), "something_new"),
    ]

    @Test("finish reasons parse from and print to OpenAI's spelling", arguments: finishReasons)
    func finishReason(wire: String, reason: FinishReason, written: String) {
        #expect(FinishReason(openAI: wire) == reason)
        #expect(reason.openAIValue == written)
    }

    @Test("a stop with a known sequence still prints as stop")
    func stopSequence() {
        #expect(FinishReason.stop(sequence: "END").openAIValue == "stop")
        #expect(FinishReason.stop(sequence: "END") != .stop())
    }

    @Test("usage totals prompt and completion tokens")
    func usageTotal() {
        let usage = Usage(promptTokens: 12, completionTokens: 30, cachedPromptTokens: 4, reasoningTokens: 10)
        #expect(usage.totalTokens == 42)
    }

    static func chunk(_ delta: ChunkDelta, finish: FinishReason? = nil) -> ChatChunk {
        ChatChunk(id: "c", model: "m", created: 1, choices: [ChunkChoice(index: 0, delta: delta, finishReason: finish)])
    }

    static let refusalDelta: ChunkDelta = {
        var delta = ChunkDelta()
        delta.refusal = "no"
        return delta
    }()

    static let emptyRefusalDelta: ChunkDelta = {
        var delta = ChunkDelta(role: .assistant)
        delta.refusal = ""
        return delta
    }()

    static let outputCases: [(String, ChatChunk, Bool)] = [
        ("role only", chunk(ChunkDelta(role: .assistant)), false),
        ("role and empty content", chunk(ChunkDelta(role: .assistant, content: "")), false),
        ("empty refusal", chunk(emptyRefusalDelta), false),
        ("no choices", ChatChunk(id: "c", model: "m", created: 1, choices: []), false),
        (
            "usage only",
            ChatChunk(id: "c", model: "m", created: 1, choices: [], usage: Usage(promptTokens: 1, completionTokens: 1)),
            false
        ),
        ("text", chunk(ChunkDelta(content: "Hi")), true),
        ("role and text", chunk(ChunkDelta(role: .assistant, content: "Hi")), true),
        ("tool call", chunk(ChunkDelta(toolCalls: [ToolCallDelta(index: 0, id: "call_1", name: "f")])), true),
        ("finish", chunk(ChunkDelta(), finish: .stop()), true),
        ("refusal", chunk(refusalDelta), true),
        (
            "second choice has text",
            ChatChunk(
                id: "c", model: "m", created: 1,
                choices: [
                    ChunkChoice(index: 0, delta: ChunkDelta(role: .assistant)),
                    ChunkChoice(index: 1, delta: ChunkDelta(content: "x")),
                ]),
            true
        ),
    ]

    @Test(
        "hasOutput is true for text, tool calls, refusals and finishes, not for role-only chunks",
        arguments: outputCases)
    func hasOutput(name: String, chunk: ChatChunk, expected: Bool) {
        #expect(chunk.hasOutput == expected, "\(name)")
    }

    @Test("a new request has the documented defaults")
    func requestDefaults() {
        let request = ChatRequest(model: "m", messages: [ChatMessage(role: .user, text: "x")])
        #expect(request.tools.isEmpty)
        #expect(request.stop.isEmpty)
        #expect(!request.stream)
        #expect(!request.includeUsage)
        #expect(request.extra.isEmpty)
        #expect(request.maxTokens == nil && request.temperature == nil && request.toolChoice == nil)
    }
}
