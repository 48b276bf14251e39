import AjarCore
import Foundation
import Testing

@testable import AjarServer

/// `POST /v1/embeddings` over HTTP, routed to the OpenAI and Gemini loopback fakes.
@Suite("Embeddings over HTTP")
struct EmbeddingsRoutesTests {
    static let models = """
          oa-embed:
            deployments:
              - provider: openai
                model: text-embedding-3-small
          ge-embed:
            deployments:
              - provider: gemini
                model: text-embedding-004
          an:
            deployments:
              - provider: anthropic
                model: claude-fake
        """

    static func vectors(_ reply: TestGateway.Reply) -> [[Double]] {
        (reply.json?["data"]?.arrayValue ?? []).map { ($0["embedding"]?.arrayValue ?? []).compactMap(\.doubleValue) }
    }

    @Test("OpenAI and Gemini deployments embed strings and arrays, in order, with usage")
    func vendors() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        for alias in ["oa-embed", "ge-embed"] {
            let reply = try await ajar.post("/v1/embeddings", json: ["model": .string(alias), "input": ["alpha", "beta", "gamma"], "dimensions": 16])
            #expect(reply.status == 200, "\(alias): \(reply.body)")
            let vectors = Self.vectors(reply)
            #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == 16 }, "\(alias)")
            #expect(Set(vectors.map { $0.description }).count == 3)
            #expect(reply.json?["data"]?.arrayValue?.map { $0["index"]?.intValue } == [0, 1, 2])
            #expect((reply.json?["usage"]?["prompt_tokens"]?.intValue ?? 0) > 0)
            #expect(reply.json?["model"]?.stringValue == alias)
        }
        let single = try await ajar.post("/v1/embeddings", json: ["model": "ge-embed", "input": "just one"])
        #expect(single.status == 200)
        let sent = await ajar.vendors.recordedRequests().map(\.path)
        #expect(sent.contains { $0.contains(":batchEmbedContents") } && sent.contains { $0.contains(":embedContent") })
        #expect(sent.contains("/v1/embeddings"))
    }

    @Test("base64 is little-endian float32 of the same vector")
    func base64() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let floats = try await ajar.post("/v1/embeddings", json: ["model": "oa-embed", "input": "same text"])
        let encoded = try await ajar.post("/v1/embeddings", json: ["model": "oa-embed", "input": "same text", "encoding_format": "base64"])
        let text = try #require(encoded.json?["data"]?.arrayValue?.first?["embedding"]?.stringValue)
        let data = try #require(Data(base64Encoded: text))
        let decoded = stride(from: 0, to: data.count, by: 4).map { offset in
            Double(Float(bitPattern: data[offset..<offset + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }))
        }
        let expected = try #require(Self.vectors(floats).first)
        #expect(decoded.count == expected.count)
        #expect(zip(decoded, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("malformed embeddings requests are 400 naming the parameter; a chat-only provider is refused")
    func errors() async throws {
        let ajar = try await TestGateway.start(models: Self.models)
        defer { Task { await ajar.stop() } }
        let cases: [(JSON, String)] = [
            (["input": "x"], "model"), (["model": "oa-embed"], "input"), (["model": "oa-embed", "input": ""], "input"),
            (["model": "oa-embed", "input": [1, "a"]], "input"), (["model": "oa-embed", "input": [[]]], "input"),
            (["model": "oa-embed", "input": "x", "encoding_format": "int8"], "encoding_format"),
            (["model": "oa-embed", "input": "x", "dimensions": 0], "dimensions"),
        ]
        for (body, param) in cases {
            let reply = try await ajar.post("/v1/embeddings", json: body)
            #expect(reply.status == 400, "\(body): \(reply.body)")
            #expect(reply.json?["error"]?["param"]?.stringValue == param, "\(body): \(reply.body)")
        }
        #expect(try await ajar.post("/v1/embeddings", json: ["model": "nope", "input": "x"]).status == 404)
        let anthropic = try await ajar.post("/v1/embeddings", json: ["model": "an", "input": "x"])
        #expect(anthropic.status == 400, "\(anthropic.body)")  // no deployment supports it
    }
}
