import AjarCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// A loopback OTLP/HTTP collector: keeps every `POST /v1/traces` body.
final class FakeCollector: Sendable {
    let bodies = Mutex<[JSON]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)

    func start() async throws -> Int {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 16 << 20)
            let json = try JSONParser.parse(Array(buffer.readableBytesView))
            self.bodies.withLock { $0.append(json) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "collector")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        task.withLock { $0 = Task { try await app.runService() } }
        var port = 0
        for await bound in ports { port = bound }
        return port
    }

    func stop() { task.withLock { $0?.cancel() } }

    /// Every span received so far.
    var spans: [JSON] {
        bodies.withLock { bodies in
            bodies.flatMap { body in
                (body["resourceSpans"]?.arrayValue ?? []).flatMap { resource in
                    (resource["scopeSpans"]?.arrayValue ?? []).flatMap { $0["spans"]?.arrayValue ?? [] }
                }
            }
        }
    }
}

@Suite("OpenTelemetry traces")
struct TracingTests {
    static func attribute(_ span: JSON, _ key: String) -> JSON? {
        span["attributes"]?.arrayValue?.first { $0["key"]?.stringValue == key }?["value"]
    }

    @Test("a span per request, policy step and upstream attempt, linked in one trace, with GenAI attributes, exported over OTLP/HTTP")
    func spans() async throws {
        let collector = FakeCollector()
        let port = try await collector.start()
        defer { collector.stop() }
        let ajar = try await TestGateway.start(
            models: MetricsRoutesTests.models,
            extra: PolicyRoutesTests.policy + "\ntracing: {otlp_endpoint: \"http://127.0.0.1:\(port)\", export_interval: 0.1, service_name: ajar-test}")
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("fallback", "hello traces")).status == 200)
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "key AKIAIOSFODNN7EXAMPLE")).status == 403)
        await ajar.stop()  // flushes the exporter
        let spans = collector.spans
        let root = try #require(spans.first { $0["name"]?.stringValue == "chat fallback" })
        #expect(root["kind"]?.intValue == 2)
        #expect(Self.attribute(root, "gen_ai.request.model")?["stringValue"]?.stringValue == "fallback")
        #expect(Self.attribute(root, "gen_ai.response.model")?["stringValue"]?.stringValue == "claude-fallback")
        #expect(Self.attribute(root, "gen_ai.usage.input_tokens")?["intValue"] != nil)
        #expect(Self.attribute(root, "http.response.status_code")?["intValue"]?.stringValue == "200")
        let trace = try #require(root["traceId"]?.stringValue)
        #expect(trace.count == 32)
        let children = spans.filter { $0["traceId"]?.stringValue == trace && $0["parentSpanId"]?.stringValue == root["spanId"]?.stringValue }
        let names = Set(children.compactMap { $0["name"]?.stringValue })
        #expect(names.isSuperset(of: ["ajar.policy", "chat error-500", "chat claude-fallback"]), "\(names)")
        let failed = try #require(children.first { $0["name"]?.stringValue == "chat error-500" })
        #expect(failed["status"]?["code"]?.intValue == 2)
        #expect(failed["kind"]?.intValue == 3)
        #expect(Self.attribute(failed, "gen_ai.system")?["stringValue"]?.stringValue == "openai")
        let refused = try #require(spans.first { $0["name"]?.stringValue == "chat oa" })
        #expect(refused["status"]?["code"]?.intValue == 2)
        #expect(Self.attribute(refused, "http.response.status_code")?["intValue"]?.stringValue == "403")
        // Resource and no secrets or values.
        let body = collector.bodies.withLock { $0.map(\.text).joined() }
        #expect(body.contains("\"ajar-test\""))
        #expect(!body.contains("AKIA") && !body.contains("sk-test") && !body.contains("hello traces"))
    }
}
