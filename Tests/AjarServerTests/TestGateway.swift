import AjarCore
import AjarGateway
import AjarServer
import AjarStore
import AjarTesting
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// A real Ajar server on a loopback port in front of a real fake-vendor server, for end-to-end
/// tests over HTTP.
final class TestGateway: Sendable {
    let vendors: FakeVendorServer
    let vendorPort: Int
    let port: Int
    let gateway: Gateway
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    /// - Parameters:
    ///   - models: the `models:` section (YAML, indented two spaces) routed to the fake vendors.
    ///   - extra: more top-level YAML (retry, circuit_breaker, server keys go in `serverExtra`).
    static func start(
        models: String, extra: String = "", serverExtra: String = "", providers: String = "", providerTimeout: Double = 5,
        extraProviders: [String: any ChatProvider] = [:], store: (any GatewayStore)? = nil, adminKey: String? = nil
    ) async throws -> TestGateway {
        let vendors = FakeVendorServer()
        let vendorPort = try await vendors.start(port: 0)
        let yaml = """
            server:
              host: 127.0.0.1
              port: 0
            \(serverExtra)
            providers:
              openai:
                type: openai
                base_url: http://127.0.0.1:\(vendorPort)/v1
                api_key: sk-test-openai-secret
                timeout: \(providerTimeout)
              anthropic:
                type: anthropic
                base_url: http://127.0.0.1:\(vendorPort)
                api_key: sk-ant-test-secret
                timeout: \(providerTimeout)
              gemini:
                type: gemini
                base_url: http://127.0.0.1:\(vendorPort)
                api_key: gemini-test-secret
                timeout: \(providerTimeout)
              probe:
                type: openai
                base_url: http://127.0.0.1:9/v1
            \(providers)
            models:
            \(models)
            retry:
              attempts: 2
              initial_backoff: 0.01
              max_backoff: 0.02
              max_retry_after: 2
            \(extra)
            """
        let config = try ConfigLoader.parse(yaml, environment: [:])
        let accountant = store.map { Accountant(store: $0, adminKey: adminKey.map(Secret.init)) }
        let metrics = MetricsExport()
        let gateway = Gateway(config: config, extraProviders: extraProviders, accountant: accountant, metrics: metrics.gatewayMetrics)
        var logger = Logger(label: "ajar-test")
        logger.logLevel = .critical
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(gateway: gateway, host: "127.0.0.1", port: 0, logger: logger, metrics: metrics) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        // A graceful shutdown (close the listener, then finish open connections), not a cancellation:
        // cancelling the server while a connection is being accepted trips an assertion in NIO.
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var bound = 0
        for await port in portStream { bound = port }
        return TestGateway(vendors: vendors, vendorPort: vendorPort, port: bound, gateway: gateway, task: task, group: group)
    }

    private init(
        vendors: FakeVendorServer, vendorPort: Int, port: Int, gateway: Gateway, task: Task<Void, any Error>,
        group: ServiceGroup
    ) {
        self.vendors = vendors
        self.vendorPort = vendorPort
        self.port = port
        self.gateway = gateway
        self.task = task
        self.group = group
    }

    func stop() async { await shutdown() }

    /// Shuts down Ajar gracefully, then its upstream connections, then the fake vendors.
    func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        await gateway.shutdown()
        await vendors.stop()
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: JSON? { try? JSONParser.parse(body) }
    }

    /// Sends raw bytes and collects the whole answer.
    func send(_ method: HTTPMethod = .POST, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = [])
        async throws -> Reply
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
    }

    func post(_ path: String, json: JSON, headers: [(String, String)] = []) async throws -> Reply {
        try await send(.POST, path, body: json.bytes, headers: headers)
    }

    /// The `data:` payloads of an event-stream body, with their event names.
    static func events(_ body: String) -> [(name: String?, data: String)] {
        var events: [(String?, String)] = []
        for block in body.components(separatedBy: "\n\n") where !block.isEmpty {
            var name: String?
            var data: [String] = []
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            if !data.isEmpty { events.append((name, data.joined(separator: "\n"))) }
        }
        return events
    }
}

/// A chat body in the OpenAI dialect.
func openAIChat(_ model: String, _ text: String = "hello there", stream: Bool = false, extra: JSONObject = [:]) -> JSON {
    var body: JSONObject = ["model": .string(model), "messages": [["role": "user", "content": .string(text)]]]
    if stream { body["stream"] = true }
    for (key, value) in extra { body[key] = value }
    return .object(body)
}

/// A chat body in the Anthropic dialect.
func anthropicChat(_ model: String, _ text: String = "hello there", stream: Bool = false) -> JSON {
    var body: JSONObject = [
        "model": .string(model), "max_tokens": 100, "messages": [["role": "user", "content": .string(text)]],
    ]
    if stream { body["stream"] = true }
    return .object(body)
}
