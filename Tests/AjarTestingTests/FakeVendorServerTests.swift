import AsyncHTTPClient
import Foundation
import Testing

@testable import AjarTesting

@Suite("Fake vendor server")
struct FakeVendorServerTests {
    // MARK: - Helpers

    /// One HTTP exchange, body collected.
    struct Exchange {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        func json() throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        }
    }

    /// Starts a server on a free port, runs `body`, and always stops the server.
    @discardableResult
    static func withServer<T>(
        _ options: FakeVendorServer.Options = .init(),
        _ body: (FakeVendorServer, String) async throws -> T
    ) async throws -> T {
        let server = FakeVendorServer(options: options)
        let port = try await server.start()
        do {
            let result = try await body(server, "http://127.0.0.1:\(port)")
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static func post(_ url: String, headers: [(String, String)], json: String) async throws -> Exchange {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(Array(json.utf8))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 4 << 20)
        return Exchange(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: String(decoding: body.readableBytesView, as: UTF8.self)
        )
    }

    static let openAI = [("authorization", "Bearer sk-test")]

    static func chat(model: String, text: String, stream: Bool = false) -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"system","content":"Be brief."},"#
            + #"{"role":"user","content":"\#(text)"}]}"#
    }

    // MARK: - Tests

    @Test("an OpenAI chat completion has the documented shape")
    func openAIChatCompletionShape() async throws {
        try await Self.withServer { _, base in
            let exchange = try await Self.post(
                base + "/v1/chat/completions", headers: Self.openAI, json: Self.chat(model: "gpt-4o", text: "hello café")
            )
            #expect(exchange.status == 200)
            let completion = try exchange.json()
            #expect(completion["object"] as? String == "chat.completion")
            #expect((completion["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(completion["model"] as? String == "gpt-4o")
            #expect(completion["system_fingerprint"] is String)
            let choices = try #require(completion["choices"] as? [[String: Any]])
            #expect(choices.count == 1)
            let choice = try #require(choices.first)
            #expect(choice["index"] as? Int == 0)
            #expect(choice["finish_reason"] as? String == "stop")
            #expect(choice["logprobs"] is NSNull)
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect(message["content"] as? String == "fake-openai gpt-4o: hello café")
            let usage = try #require(completion["usage"] as? [String: Any])
            #expect(usage["prompt_tokens"] as? Int == 4)
            #expect(usage["completion_tokens"] as? Int == 4)
            #expect(usage["total_tokens"] as? Int == 8)
            #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 0)
            #expect((usage["completion_tokens_details"] as? [String: Any])?["reasoning_tokens"] as? Int == 0)
        }
    }

    @Test("a streamed OpenAI answer reassembles into one chunk per word, usage and [DONE]")
    func openAIStreamReassembles() async throws {
        try await Self.withServer { _, base in
            let json =
                #"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"#
                + #""messages":[{"role":"user","content":"hello 日本 café"}]}"#
            let exchange = try await Self.post(base + "/v1/chat/completions", headers: Self.openAI, json: json)
            #expect(exchange.status == 200)
            #expect(exchange.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(exchange.body.hasSuffix("data: [DONE]\n\n"))
            let events = exchange.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.allSatisfy { $0.hasPrefix("data: ") })
            let chunks = try events.dropLast().map { event in
                try #require(JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
            }
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            let deltas = chunks.compactMap { chunk -> [String: Any]? in
                ((chunk["choices"] as? [[String: Any]])?.first)?["delta"] as? [String: Any]
            }
            let text = deltas.compactMap { $0["content"] as? String }.joined()
            #expect(text == "fake-openai gpt-4o: hello 日本 café")
            // role chunk + 5 words + finish chunk + usage chunk
            #expect(chunks.count == 8)
            let usageChunk = try #require(chunks.last)
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            #expect((usageChunk["usage"] as? [String: Any])?["completion_tokens"] as? Int == 5)
        }
    }

    @Test("Anthropic answers 400 without anthropic-version")
    func anthropicRequiresVersion() async throws {
        try await Self.withServer { _, base in
            let exchange = try await Self.post(
                base + "/v1/messages", headers: [("x-api-key", "sk-ant-test")],
                json: #"{"model":"claude-x","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(exchange.status == 400)
            let body = try exchange.json()
            #expect(body["type"] as? String == "error")
            let error = try #require(body["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["message"] as? String == "anthropic-version: header is required")
            #expect(exchange.header("request-id") == body["request_id"] as? String)
        }
    }

    @Test("Anthropic 2026-10-21 takes a Bearer key and rejects the removed sampling parameters")
    func anthropicVersion20261021() async throws {
        try await Self.withServer(.init(anthropicKey: "sk-ant-right")) { _, base in
            let headers = [("authorization", "Bearer sk-ant-right"), ("anthropic-version", "2026-10-21")]
            let ok = try await Self.post(
                base + "/v1/messages", headers: headers,
                json: #"{"model":"claude-x","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(ok.status == 200)
            #expect(try ok.json()["stop_reason"] as? String == "end_turn")
            let rejected = try await Self.post(
                base + "/v1/messages", headers: headers,
                json: #"{"model":"claude-x","max_tokens":16,"temperature":1,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(rejected.status == 400)
            let wrongKey = try await Self.post(
                base + "/v1/messages", headers: [("x-api-key", "sk-ant-wrong"), ("anthropic-version", "2023-06-01")],
                json: #"{"model":"claude-x","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#
            )
            #expect(wrongKey.status == 401)
            #expect((try wrongKey.json()["error"] as? [String: Any])?["type"] as? String == "authentication_error")
        }
    }

    @Test("Gemini error-429 has RESOURCE_EXHAUSTED and retry-after")
    func geminiRateLimit() async throws {
        try await Self.withServer { _, base in
            let exchange = try await Self.post(
                base + "/v1beta/models/error-429:generateContent", headers: [("x-goog-api-key", "g-test")],
                json: #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#
            )
            #expect(exchange.status == 429)
            #expect(exchange.header("retry-after") == "1")
            let error = try #require(try exchange.json()["error"] as? [String: Any])
            #expect(error["code"] as? Int == 429)
            #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
            #expect(error["message"] is String)
        }
    }

    @Test("flaky-1 fails once with the vendor's 500, then answers")
    func flakyFailsOnce() async throws {
        try await Self.withServer { _, base in
            let json = Self.chat(model: "flaky-1", text: "again")
            let first = try await Self.post(base + "/v1/chat/completions", headers: Self.openAI, json: json)
            #expect(first.status == 500)
            #expect((try first.json()["error"] as? [String: Any])?["type"] as? String == "server_error")
            let second = try await Self.post(base + "/v1/chat/completions", headers: Self.openAI, json: json)
            #expect(second.status == 200)
        }
    }

    @Test("requests are recorded, in Swift and over HTTP, and can be cleared")
    func recording() async throws {
        try await Self.withServer { server, base in
            let json = Self.chat(model: "gpt-4o", text: "record me")
            _ = try await Self.post(base + "/v1/chat/completions", headers: Self.openAI, json: json)
            _ = try await Self.post(
                base + "/v1beta/models/gemini-x:streamGenerateContent?alt=sse", headers: [("x-goog-api-key", "g")],
                json: #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#
            )
            let recorded = await server.recordedRequests()
            #expect(recorded.count == 2)
            let first = try #require(recorded.first)
            #expect(first.method == "POST")
            #expect(first.path == "/v1/chat/completions")
            #expect(first.vendor == "openai")
            #expect(first.header("Authorization") == "Bearer sk-test")
            #expect(first.bodyText == json)
            #expect(recorded.last?.path == "/v1beta/models/gemini-x:streamGenerateContent?alt=sse")

            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: base + "/_fake/requests"), timeout: .seconds(5)
            )
            let body = try await response.body.collect(upTo: 1 << 20)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]])
            #expect(list.count == 2)
            #expect(list.first?["body"] as? String == json)

            await server.clearRecordedRequests()
            #expect(await server.recordedRequests().isEmpty)
        }
    }

    @Test("a stream that dies mid-way fails the client")
    func dieMidStream() async throws {
        try await Self.withServer { _, base in
            await #expect(throws: (any Error).self) {
                _ = try await Self.post(
                    base + "/v1/chat/completions", headers: Self.openAI,
                    json: Self.chat(model: "die-mid-stream", text: "one two three four", stream: true)
                )
            }
        }
    }

    @Test("servers started in parallel on port 0 get distinct ports")
    func parallelServers() async throws {
        let servers = [FakeVendorServer(), FakeVendorServer(), FakeVendorServer()]
        let ports = try await withThrowingTaskGroup(of: Int.self) { group in
            for server in servers { group.addTask { try await server.start() } }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(ports.count == 3)
        for server in servers { await server.stop() }
    }

    @Test("stop ends a slow stream in flight promptly")
    func stopDuringSlowStream() async throws {
        let server = FakeVendorServer()
        let port = try await server.start()
        let client = Task {
            try await Self.post(
                "http://127.0.0.1:\(port)/v1/chat/completions", headers: Self.openAI,
                json: Self.chat(model: "slow-5000", text: "never finishes", stream: true)
            )
        }
        try await Task.sleep(for: .milliseconds(100))
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await server.stop() }
        #expect(elapsed < .seconds(1))
        await #expect(throws: (any Error).self) { try await client.value }
    }

    @Test("starting on a port in use throws")
    func portInUse() async throws {
        let first = FakeVendorServer()
        let port = try await first.start()
        let second = FakeVendorServer()
        await #expect(throws: FakeVendorServer.StartError.self) { try await second.start(port: port) }
        await first.stop()
    }

    @Test("stream pieces are 1 to 17 bytes, cover the body and replay from the seed")
    func chunkerPieces() {
        let ranges = SSEChunker.pieceRanges(count: 1000, seed: 42)
        #expect(ranges.first?.lowerBound == 0)
        #expect(ranges.last?.upperBound == 1000)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(ranges.allSatisfy { (1...17).contains($0.count) })
        #expect(SSEChunker.pieceRanges(count: 1000, seed: 42) == ranges)
        #expect(SSEChunker.pieceRanges(count: 1000, seed: 43) != ranges)
    }

    @Test("answers honour max tokens and stop sequences", arguments: [
        (3, [String](), "fake-openai m: hello", FakeAnswer.Finish.length),
        (nil, ["world"], "fake-openai m: hello ", .stopSequence("world")),
        (nil, [], "fake-openai m: hello world again", .stop),
    ] as [(Int?, [String], String, FakeAnswer.Finish)])
    func answerLimits(maxTokens: Int?, stops: [String], text: String, finish: FakeAnswer.Finish) {
        var conversation = FakeConversation(vendor: .openai, model: "m")
        conversation.lastUserText = "hello world again"
        conversation.maxTokens = maxTokens
        conversation.stopSequences = stops
        let answer = FakeAnswer.make(for: conversation, scenario: .normal)
        #expect(answer.text == text)
        #expect(answer.finish == finish)
        #expect(answer.textPieces.joined() == text)
    }
}
