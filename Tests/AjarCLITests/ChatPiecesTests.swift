import AjarCore
import Testing

@testable import ajar

@Suite("ajar chat: input lines")
struct ChatInputTests {
    @Test func messagesAndCommands() {
        #expect(ChatInput(line: "hello there") == .message("hello there"))
        #expect(ChatInput(line: "  spaced out \t") == .message("spaced out"))
        #expect(ChatInput(line: "") == .empty)
        #expect(ChatInput(line: "   ") == .empty)
        #expect(ChatInput(line: "/model gpt-4o") == .model("gpt-4o"))
        #expect(ChatInput(line: "/MODEL   claude-3-5-haiku  ") == .model("claude-3-5-haiku"))
        #expect(ChatInput(line: "/model") == .showModel)
        #expect(ChatInput(line: "/reset") == .reset)
        #expect(ChatInput(line: "/exit") == .exit)
        #expect(ChatInput(line: "/quit") == .exit)
        #expect(ChatInput(line: "/help") == .help)
        #expect(ChatInput(line: "/modle fast") == .unknown("/modle"))
        #expect(ChatInput(line: "/") == .unknown("/"))
    }

    @Test func doubleSlashSendsASlash() {
        #expect(ChatInput(line: "//etc/hosts is a file") == .message("/etc/hosts is a file"))
    }
}

@Suite("ajar chat: the OpenAI wire format")
struct ChatWireTests {
    @Test func textChunks() {
        let chunk = #"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#
        #expect(ChatWire.event(data: chunk) == .text("Hel"))
        let opening = #"{"id":"c1","choices":[{"index":0,"delta":{"role":"assistant"}}]}"#
        #expect(ChatWire.event(data: opening) == .text(""))
        let unicode = #"{"choices":[{"delta":{"content":"caf\u00e9 \ud83d\ude00"}}]}"#
        #expect(ChatWire.event(data: unicode) == .text("café 😀"))
    }

    @Test func doneUsageAndJunk() {
        #expect(ChatWire.event(data: "[DONE]") == .done)
        #expect(ChatWire.event(data: " [DONE] ") == .done)
        let usage = #"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}"#
        #expect(ChatWire.event(data: usage) == .usage(prompt: 12, completion: 5))
        #expect(ChatWire.event(data: "not json") == .ignored)
        #expect(ChatWire.event(data: "{}") == .ignored)
    }

    @Test func streamErrorEvent() {
        let error = #"{"error":{"message":"The upstream stream failed: timeout.","type":"server_error","code":"upstream_error"}}"#
        #expect(ChatWire.event(data: error) == .error("error upstream_error: The upstream stream failed: timeout."))
    }

    @Test func requestBodyCarriesTheConversation() throws {
        let body = ChatWire.requestBody(
            model: "fast",
            messages: [ChatMessage(role: .user, text: "hi"), ChatMessage(role: .assistant, text: "hello"), ChatMessage(role: .user, text: "again")])
        let parsed = try JSONParser.parse(body.bytes)
        #expect(parsed["model"]?.stringValue == "fast")
        #expect(parsed["stream"]?.boolValue == true)
        #expect(parsed["stream_options"]?["include_usage"]?.boolValue == true)
        let messages = parsed["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(messages.map { $0["content"]?.stringValue } == ["hi", "hello", "again"])
    }
}

@Suite("ajar chat: error lines")
struct ChatErrorLineTests {
    @Test func openAIErrorBodies() {
        let forbidden = #"{"error":{"message":"The request contains data of class email, which the policy blocks.","type":"permission_error","param":null,"code":"data_blocked"}}"#
        #expect(
            ChatWire.errorLine(status: 403, body: forbidden, retryAfter: nil)
                == "error 403 data_blocked: The request contains data of class email, which the policy blocks.")
        let unauthorized = #"{"error":{"message":"Missing bearer key.","type":"invalid_request_error","code":"invalid_api_key"}}"#
        #expect(ChatWire.errorLine(status: 401, body: unauthorized, retryAfter: nil) == "error 401 invalid_api_key: Missing bearer key.")
        let limited = #"{"error":{"message":"Rate limit reached.","type":"rate_limit_error","code":"rate_limit_exceeded"}}"#
        #expect(
            ChatWire.errorLine(status: 429, body: limited, retryAfter: "3")
                == "error 429 rate_limit_exceeded: Rate limit reached. (retry after 3s)")
        let noCode = #"{"error":{"message":"Upstream\nexploded.","type":null}}"#
        #expect(ChatWire.errorLine(status: 502, body: noCode, retryAfter: nil) == "error 502: Upstream exploded.")
    }

    @Test func bodiesThatAreNotOpenAIErrors() {
        #expect(ChatWire.errorLine(status: 502, body: "<html>\nBad Gateway\n</html>", retryAfter: nil) == "error 502: <html> Bad Gateway </html>")
        #expect(ChatWire.errorLine(status: 503, body: "", retryAfter: "10") == "error 503: service unavailable (retry after 10s)")
        #expect(ChatWire.errorLine(status: 401, body: "", retryAfter: nil) == "error 401: unauthorized (set --key or AJAR_API_KEY)")
        let long = String(repeating: "x", count: 1000)
        #expect(ChatWire.errorLine(status: 500, body: long, retryAfter: nil).count < 320)
    }

    @Test func localGatewayErrorsReadLikeRemoteOnes() {
        #expect(LocalChat.errorLine(GatewayError.modelNotFound("nope")).hasPrefix("error 404 model_not_found: "))
        #expect(
            LocalChat.errorLine(GatewayError.rateLimited("Slow down.", retryAfter: 1.2))
                == "error 429 rate_limit_exceeded: Slow down. (retry after 2s)")
        #expect(LocalChat.errorLine(ProviderError.timeout).hasPrefix("error: the model's stream failed"))
    }
}

@Suite("ajar chat: choices")
struct ChatChoiceTests {
    @Test func defaultModelPrefersLocalChatModels() {
        let entries = [
            ChatModelEntry(alias: "all-minilm", available: true, hosting: "local", embeddings: true),
            ChatModelEntry(alias: "fast", available: true, hosting: "vendor", embeddings: false),
            ChatModelEntry(alias: "smollm", available: true, hosting: "local", embeddings: false),
        ]
        #expect(ChatModelEntry.pickDefault(entries) == "smollm")
        var missing = entries
        missing[2].available = false
        #expect(ChatModelEntry.pickDefault(missing) == "fast")
        #expect(ChatModelEntry.pickDefault([entries[0]]) == nil)
    }

    @Test func defaultURLFromTheServerSection() {
        #expect(Ajar.Chat.url(host: "127.0.0.1", port: 8080) == "http://127.0.0.1:8080")
        #expect(Ajar.Chat.url(host: "0.0.0.0", port: 9090) == "http://127.0.0.1:9090")
        #expect(Ajar.Chat.url(host: "::", port: 1) == "http://[::1]:1")
        #expect(Ajar.Chat.url(host: "::1", port: 2) == "http://[::1]:2")
    }

    @Test func trailerNamesTheModelAndThePolicy() {
        var answer = ChatAnswer(text: "hi", deployment: "openai/gpt-4o-mini", policy: "tier=limited; classes=none")
        #expect(ChatSession.trailer(answer) == ["model: openai/gpt-4o-mini", "policy: tier=limited; classes=none"])
        answer.usage = (3, 4)
        #expect(ChatSession.trailer(answer).first == "model: openai/gpt-4o-mini (3 in, 4 out)")
        #expect(ChatSession.trailer(ChatAnswer()) == [])
    }
}
