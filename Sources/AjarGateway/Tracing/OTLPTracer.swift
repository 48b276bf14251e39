import AjarCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// `tracing:` in ajar.yaml: OpenTelemetry traces, exported with OTLP over HTTP (JSON encoding) to
/// a collector. Off unless `otlp_endpoint` is set.
package struct TracingConfig: Sendable {
    /// The collector's base URL (`http://127.0.0.1:4318`); spans go to `…/v1/traces`.
    package var endpoint: String?
    /// `service.name` on every span's resource.
    package var serviceName = "ajar"
    /// Seconds between exports (at most; a full batch goes at once).
    package var exportInterval = 1.0

    package init() {}
}

/// A small OpenTelemetry tracer: spans with ids, parents, attributes and status, batched and
/// exported as OTLP/HTTP JSON (`POST {endpoint}/v1/traces`). Written here rather than taken from
/// swift-otel, which is not among the packages this project may use; it does only what the
/// gateway needs: one span per request and per pipeline step and upstream attempt, with the
/// GenAI semantic attributes.
package final class OTLPTracer: Sendable {
    package let config: TracingConfig
    private let url: String
    private let client: HTTPClient
    private let logger: Logger
    private let pending = Mutex<[JSONSpan]>([])
    private let exporter = Mutex<Task<Void, Never>?>(nil)
    static let maxBatch = 512
    static let maxPending = 8192

    package init(config: TracingConfig, logger: Logger = Logger(label: "ajar.tracing")) {
        self.config = config
        var base = config.endpoint ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base + "/v1/traces"
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(2), read: .seconds(5))))
        self.logger = logger
        let interval = config.exportInterval
        exporter.withLock { task in
            task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                    await self?.export()
                }
            }
        }
    }

    /// Starts a span; `parent` makes it a child in the same trace.
    package func startSpan(_ name: String, kind: TraceSpan.Kind = .internal, parent: TraceSpan? = nil) -> TraceSpan {
        TraceSpan(tracer: self, name: name, kind: kind, traceID: parent?.traceID ?? Self.randomHex(bytes: 16), parentID: parent?.spanID)
    }

    func finished(_ span: JSONSpan) {
        let full = pending.withLock { pending -> Bool in
            if pending.count >= Self.maxPending { pending.removeFirst(pending.count / 2) }  // never grow without bound
            pending.append(span)
            return pending.count >= Self.maxBatch
        }
        if full { Task { await self.export() } }
    }

    /// Sends what is pending now.
    package func export() async {
        let batch = pending.withLock { pending -> [JSONSpan] in
            let batch = pending
            pending.removeAll()
            return batch
        }
        guard !batch.isEmpty else { return }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Self.body(batch, serviceName: config.serviceName)))
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 1 << 20)
            if response.status.code >= 300 {
                logger.warning("trace export refused", metadata: ["status": "\(response.status.code)", "spans": "\(batch.count)"])
            }
        } catch {
            logger.warning("trace export failed", metadata: ["error": "\(error)", "spans": "\(batch.count)"])
        }
    }

    /// Exports what is left and stops.
    package func shutdown() async {
        exporter.withLock { $0?.cancel() }
        await export()
        try? await client.shutdown()
    }

    /// The OTLP/HTTP JSON request body for a batch of spans.
    static func body(_ spans: [JSONSpan], serviceName: String) -> [UInt8] {
        let resource: JSON = ["attributes": [["key": "service.name", "value": ["stringValue": .string(serviceName)]]]]
        let scope: JSON = ["name": "ajar"]
        let body: JSON = [
            "resourceSpans": [["resource": resource, "scopeSpans": [["scope": scope, "spans": .array(spans.map(\.json))]]]]
        ]
        return body.bytes
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var out = ""
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            out += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return out
    }
}

/// One span, recording until ``end(status:)``. Ending twice does nothing.
package final class TraceSpan: Sendable {
    package enum Kind: Int, Sendable { case `internal` = 1, server = 2, client = 3 }
    package enum Status: Sendable, Equatable { case ok, error(String) }

    let traceID: String
    let spanID: String
    private let parentID: String?
    private let name: String
    private let kind: Kind
    private let start: UInt64
    private let tracer: OTLPTracer
    private let state = Mutex<(attributes: [(String, JSON)], ended: Bool)>(([], false))

    fileprivate init(tracer: OTLPTracer, name: String, kind: Kind, traceID: String, parentID: String?) {
        self.tracer = tracer
        self.name = name
        self.kind = kind
        self.traceID = traceID
        self.parentID = parentID
        self.spanID = OTLPTracer.randomHex(bytes: 8)
        self.start = TraceSpan.nowNanos()
    }

    package func set(_ key: String, _ value: String?) { if let value { add(key, ["stringValue": .string(value)]) } }
    package func set(_ key: String, _ value: Int?) { if let value { add(key, ["intValue": .string(String(value))]) } }
    package func set(_ key: String, _ value: Double?) { if let value { add(key, ["doubleValue": JSON(value)]) } }
    package func set(_ key: String, _ value: [String]) { add(key, ["arrayValue": ["values": .array(value.map { ["stringValue": .string($0)] })]]) }

    private func add(_ key: String, _ value: JSON) {
        state.withLock { state in
            guard !state.ended else { return }
            state.attributes.removeAll { $0.0 == key }
            state.attributes.append((key, value))
        }
    }

    package func end(status: Status = .ok) {
        let attributes = state.withLock { state -> [(String, JSON)]? in
            guard !state.ended else { return nil }
            state.ended = true
            return state.attributes
        }
        guard let attributes else { return }
        var object: JSONObject = [
            "traceId": .string(traceID), "spanId": .string(spanID), "name": .string(name), "kind": JSON(kind.rawValue),
            "startTimeUnixNano": .string(String(start)), "endTimeUnixNano": .string(String(TraceSpan.nowNanos())),
            "attributes": .array(attributes.map { ["key": .string($0.0), "value": $0.1] }),
        ]
        if let parentID { object["parentSpanId"] = .string(parentID) }
        switch status {
        case .ok: object["status"] = ["code": 1]
        case .error(let message): object["status"] = ["code": 2, "message": .string(message)]
        }
        tracer.finished(JSONSpan(json: .object(object)))
    }

    static func nowNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// A finished span in OTLP JSON form.
struct JSONSpan: Sendable {
    let json: JSON
}
