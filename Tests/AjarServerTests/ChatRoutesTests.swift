import AjarCore
import AjarGateway
import AjarServer
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// End to end over loopback HTTP: a client → Ajar → the fake vendors, for both dialects.
@Suite("Chat routes, end to end")
struct ChatRoutesTests {
    static let models = """
          oa:
            deployments:
              - provider: openai
                model: gpt-fake
          an:
            deployments:
              - provider: anthropic
                model: claude-fake
          ge:
            deployments:
              - provider: gemini
                model: gemini-fake
          fallback:
            deployments:
              - provider: openai
                model: error-500
              - provider: anthropic
                model: claude-fake
          bad:
            deployments:
              - provider: openai
                model: error-400
              - provider: anthropic
                model: claude-fake
          all-fail:
            deployments:
              - provider: openai
                model: error-500
              - provider: gemini
                model: error-500
          busy:
            deployments:
              - provider: openai
                model: error-429
          slow:
            deployments:
              - provider: openai
                model: slow-3000
          die-first:
            deployments:
              - provider: openai
                model: die-before-first-token
              - provider: gemini
                model: gemini-fake
          die-mid:
            deployments:
              - provider: openai
                model: die-mid-stream
        """

    @Test("an OpenAI-dialect request is answered by its deployment, with the id and deployment headers")
    func openAINonStream() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        for (alias, deployment, vendor) in [
            ("oa", "openai/gpt-fake", "openai"), ("an", "anthropic/claude-fake", "anthropic"),
            ("ge", "gemini/gemini-fake", "gemini"),
        ] {
            let reply = try await ajar.post("/v1/chat/completions", json: openAIChat(alias, "hello there"))
            #expect(reply.status == 200, "\(alias): \(reply.body)")
            #expect(reply.headers.first(name: "x-ajar-deployment") == deployment)
            #expect(reply.headers.first(name: "x-ajar-request-id")?.hasPrefix("req_") == true)
            let json = try #require(reply.json)
            #expect(json["object"]?.stringValue == "chat.completion")
            let content = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
            #expect(content?.hasPrefix("fake-\(vendor)") == true, "\(alias): \(reply.body)")
            #expect(content?.hasSuffix("hello there") == true)
            #expect(json["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "stop")
            #expect((json["usage"]?["prompt_tokens"]?.intValue ?? 0) > 0)
        }
    }

    @Test("an Anthropic-dialect request reaches every vendor")
    func anthropicNonStream() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        for alias in ["oa", "an", "ge"] {
            let reply = try await ajar.post("/v1/messages", json: anthropicChat(alias, "bonjour"))
            #expect(reply.status == 200, "\(alias): \(reply.body)")
            let json = try #require(reply.json)
            #expect(json["type"]?.stringValue == "message")
            #expect(json["role"]?.stringValue == "assistant")
            #expect(json["content"]?.arrayValue?.first?["text"]?.stringValue?.hasSuffix("bonjour") == true)
            #expect(json["stop_reason"]?.stringValue == "end_turn")
            #expect((json["usage"]?["output_tokens"]?.intValue ?? 0) > 0)
        }
    }

    @Test("a retryable failure is retried, then the next deployment answers")
    func fallback() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("fallback"))
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "x-ajar-deployment") == "anthropic/claude-fake")
        let recorded = await ajar.vendors.recordedRequests()
        #expect(recorded.filter { $0.bodyText.contains("\"error-500\"") }.count == 2)  // attempts: 2
    }

    @Test("a vendor's 400 is passed on as a 400 in the client's dialect, not retried and not a 502")
    func vendorBadRequest() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("bad"))
        #expect(reply.status == 400)
        #expect(reply.json?["error"]?["type"]?.stringValue == "invalid_request_error")
        #expect(reply.headers.first(name: "x-ajar-deployment") == "openai/error-400")
        let anthropic = try await ajar.post("/v1/messages", json: anthropicChat("bad"))
        #expect(anthropic.status == 400)
        #expect(anthropic.json?["type"]?.stringValue == "error")
        #expect(anthropic.json?["error"]?["type"]?.stringValue == "invalid_request_error")
        let recorded = await ajar.vendors.recordedRequests()
        #expect(recorded.filter { $0.bodyText.contains("\"error-400\"") }.count == 2)  // once per request
        #expect(!recorded.contains { $0.bodyText.contains("claude-fake") })
    }

    @Test("failures of every deployment become 502, rate limits 503 with Retry-After, silence 504")
    func upstreamFailures() async throws {
        let ajar = try await TestGateway.start(models: Self.models, providerTimeout: 0.5)
        defer { Task { await ajar.stop() } }
        let failed = try await ajar.post("/v1/chat/completions", json: openAIChat("all-fail"))
        #expect(failed.status == 502)
        #expect(failed.json?["error"]?["type"]?.stringValue == "server_error")
        let busy = try await ajar.post("/v1/chat/completions", json: openAIChat("busy"))
        #expect(busy.status == 503)
        #expect(busy.headers.first(name: "retry-after") == "1")
        let slow = try await ajar.post("/v1/chat/completions", json: openAIChat("slow"))
        #expect(slow.status == 504)
        #expect(slow.json?["error"]?["code"]?.stringValue == "upstream_timeout")
    }

    @Test("an OpenAI stream is forwarded as SSE ending with [DONE]; usage only when asked for")
    func openAIStream() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        for alias in ["oa", "an", "ge"] {
            for includeUsage in [false, true] {
                let extra: JSONObject = includeUsage ? ["stream_options": ["include_usage": true]] : [:]
                let reply = try await ajar.post(
                    "/v1/chat/completions", json: openAIChat(alias, "one two three café", stream: true, extra: extra))
                #expect(reply.status == 200)
                #expect(reply.headers.first(name: "content-type") == "text/event-stream")
                let events = TestGateway.events(reply.body)
                #expect(events.last?.data == "[DONE]", "\(alias)")
                let chunks = events.dropLast().compactMap { try? JSONParser.parse($0.data) }
                #expect(chunks.count == events.count - 1)
                let text = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue }.joined()
                #expect(text.hasSuffix("one two three café"), "\(alias): \(text)")
                let usageChunks = chunks.filter { $0["usage"]?.objectValue != nil }
                #expect(usageChunks.count == (includeUsage ? 1 : 0), "\(alias) include_usage=\(includeUsage)")
                if includeUsage {
                    #expect(usageChunks.first?["choices"]?.arrayValue?.isEmpty == true)
                    #expect(chunks.last?["usage"]?.objectValue != nil)
                }
                #expect(chunks.contains { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "stop" })
            }
        }
    }

    @Test("an Anthropic stream has the documented event sequence, from any vendor")
    func anthropicStream() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        for alias in ["oa", "an", "ge"] {
            let reply = try await ajar.post("/v1/messages", json: anthropicChat(alias, "alpha beta", stream: true))
            #expect(reply.status == 200)
            let names = TestGateway.events(reply.body).compactMap(\.name)
            #expect(names.first == "message_start", "\(alias): \(names)")
            #expect(names.dropFirst().first == "content_block_start")
            #expect(names.contains("content_block_delta"))
            #expect(Array(names.suffix(3)) == ["content_block_stop", "message_delta", "message_stop"], "\(alias): \(names)")
        }
    }

    @Test("a stream that dies before its first token falls back to the next deployment")
    func streamDiesBeforeFirstToken() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("die-first", "still here", stream: true))
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "x-ajar-deployment") == "gemini/gemini-fake")
        #expect(reply.body.contains("still"))
    }

    @Test("a stream that dies mid-way ends with an error event, then [DONE]")
    func streamDiesMidWay() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("die-mid", "a b c d e f", stream: true))
        #expect(reply.status == 200)
        let events = TestGateway.events(reply.body)
        #expect(events.last?.data == "[DONE]")
        let error = try #require(events.dropLast().last.flatMap { try? JSONParser.parse($0.data) })
        #expect(error["error"]?["type"]?.stringValue == "server_error")
        let anthropic = try await ajar.post("/v1/messages", json: anthropicChat("die-mid", "a b c d e f", stream: true))
        #expect(TestGateway.events(anthropic.body).last?.name == "error")
    }

    @Test("GET /v1/models lists the configured aliases in order")
    func modelList() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let reply = try await ajar.send(.GET, "/v1/models")
        #expect(reply.status == 200)
        let ids = reply.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(ids == ["oa", "an", "ge", "fallback", "bad", "all-fail", "busy", "slow", "die-first", "die-mid"])
        #expect(try await ajar.send(.GET, "/v1/models/oa").json?["id"]?.stringValue == "oa")
        #expect(try await ajar.send(.GET, "/v1/models/nope").status == 404)
    }

    @Test("no secret reaches a client: vendor keys stay out of every error body")
    func noSecretsInErrors() async throws {
        let ajar = try await TestGateway.start(models: Self.models, providerTimeout: 0.5)
        defer { Task { await ajar.stop() } }
        for alias in ["bad", "all-fail", "busy", "nope"] {
            for path in ["/v1/chat/completions", "/v1/messages"] {
                let body = path == "/v1/messages" ? anthropicChat(alias) : openAIChat(alias)
                let reply = try await ajar.post(path, json: body)
                #expect(reply.status >= 400)
                #expect(!reply.body.contains("secret"), "\(alias) \(path): \(reply.body)")
                #expect(!reply.headers.contains { $0.value.contains("secret") })
            }
        }
    }
}
