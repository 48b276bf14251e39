import AjarCore
import AjarGateway
import HTTPTypes
import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the request id every response carries.
package struct AjarRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// `x-ajar-request-id`: unique per request, also the `request.id` log metadata.
    package let requestID: String
    /// The client's connection, watched so that a disconnect cancels the upstream call.
    package let channel: any Channel
    /// The caller, from its key (``AuthMiddleware``); the anonymous local principal without one.
    package var principal: Principal = Gateway.anonymous
    /// The policy's decision trace once the gateway has one, for the `x-ajar-policy` header of
    /// every answer, refusals and failures included.
    package let decision = DecisionNote()

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = RequestIDGenerator.next()
        // Every log line of the request carries its id (the one the client sees in x-ajar-request-id).
        self.logger[metadataKey: "request.id"] = .string(requestID)
    }

    /// Bodies are read by the handlers with the configured limit, not by Hummingbird's default.
    package var maxUploadSize: Int { .max }
}

/// Request ids: a random per-process prefix and a counter, so they are unique without costing a
/// random draw per request.
enum RequestIDGenerator {
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }()
    private static let counter = Counter()

    static func next() -> String {
        "req_\(prefix)\(String(counter.increment(), radix: 16))"
    }
}

import Synchronization

private final class Counter: Sendable {
    private let value = Atomic<UInt64>(0)
    func increment() -> UInt64 { value.wrappingAdd(1, ordering: .relaxed).newValue }
}
