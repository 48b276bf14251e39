import AjarCore
import Foundation
import Testing

/// Bad input gets a clear 4xx in the dialect's format, and the server keeps serving.
@Suite("Malformed input")
struct MalformedInputTests {
    static let models = """
          oa:
            deployments:
              - provider: openai
                model: gpt-fake
        """

    static let bodies: [(String, [UInt8])] = [
        ("empty", []),
        ("not JSON", Array("hello".utf8)),
        ("truncated", Array("{\"model\":\"oa\",\"messages\":[".utf8)),
        ("invalid UTF-8", [0x7B, 0x22, 0x6D, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]),
        ("deeply nested", Array(String(repeating: "[", count: 100_000).utf8)),
        ("huge number", Array("{\"model\":\"oa\",\"messages\":[],\"n\":1e999}".utf8)),
        ("huge integer", Array("{\"model\":\"oa\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":99999999999999999999999}".utf8)),
        ("array body", Array("[1,2,3]".utf8)),
        ("model not a string", Array("{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".utf8)),
        ("NUL in string", Array("{\"model\":\"o\u{0}a\"}".utf8)),
        ("lone surrogate", Array("{\"model\":\"\\ud800\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".utf8)),
    ]

    @Test("malformed bodies get 400 in the OpenAI format", arguments: 0..<bodies.count)
    func openAI(index: Int) async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let (name, body) = Self.bodies[index]
        let reply = try await ajar.send(.POST, "/v1/chat/completions", body: body)
        #expect((400..<500).contains(reply.status), "\(name): \(reply.status) \(reply.body)")
        #expect(reply.json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(name)")
        let anthropic = try await ajar.send(.POST, "/v1/messages", body: body)
        #expect((400..<500).contains(anthropic.status), "\(name)")
        #expect(anthropic.json?["type"]?.stringValue == "error", "\(name)")
        // Still serving.
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa")).status == 200)
    }

    @Test("a body over server.max_body gets 413 in the dialect's format")
    func bodyLimit() async throws {
        let ajar = try await TestGateway.start(models: Self.models, serverExtra: "  max_body: 2KiB")
        defer { Task { await ajar.stop() } }
        let big = openAIChat("oa", String(repeating: "x", count: 4096))
        let reply = try await ajar.post("/v1/chat/completions", json: big)
        #expect(reply.status == 413)
        #expect(reply.json?["error"]?["code"]?.stringValue == "request_too_large")
        let anthropic = try await ajar.post("/v1/messages", json: big)
        #expect(anthropic.status == 413)
        #expect(anthropic.json?["error"]?["type"]?.stringValue == "request_too_large")
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa")).status == 200)
    }

    @Test("an unknown model is 404 model_not_found; an unknown path is 404; both carry a request id")
    func notFound() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let model = try await ajar.post("/v1/chat/completions", json: openAIChat("nope"))
        #expect(model.status == 404)
        #expect(model.json?["error"]?["code"]?.stringValue == "model_not_found")
        #expect(model.headers.first(name: "x-ajar-request-id") != nil)
        let path = try await ajar.send(.GET, "/v2/nothing")
        #expect(path.status == 404)
        #expect(path.headers.first(name: "x-ajar-request-id") != nil)
        let anthropic = try await ajar.post("/v1/messages", json: anthropicChat("nope"))
        #expect(anthropic.status == 404)
        #expect(anthropic.json?["error"]?["type"]?.stringValue == "not_found_error")
    }
}
