import AjarCore
import AjarGateway
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The work shared by every dialect's chat endpoint: read and parse the body within the limit, run
/// the gateway, and stamp the headers every answer carries.
package struct ChatHandler: Sendable {
    package let gateway: Gateway
    package let watcher: DisconnectWatcher
    package let maxBody: Int

    /// Reads the body (at most ``maxBody`` bytes) and parses it as JSON.
    /// - Throws: ``GatewayError`` 413 for a body over the limit, 400 for one that is not JSON.
    func readJSON(_ request: Request) async throws(GatewayError) -> JSON {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBody {
            throw .payloadTooLarge(limit: maxBody)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBody)
        } catch is NIOTooManyBytesError {
            throw .payloadTooLarge(limit: maxBody)
        } catch {
            throw .invalidRequest("The request body could not be read.")
        }
        return try Self.parseJSON(body)
    }

    /// A request body as JSON. - Throws: 400 for an empty body or one that is not JSON.
    static func parseJSON(_ body: ByteBuffer) throws(GatewayError) -> JSON {
        guard body.readableBytes > 0 else {
            throw .invalidRequest("The request body is empty; expected a JSON object.")
        }
        do {
            return try JSONParser.parse(body.readableBytesView)
        } catch {
            throw .invalidRequest("The request body is not valid JSON: \(error).")
        }
    }

    /// Runs a non-streamed request, cancelling it if the client disconnects.
    func complete(_ request: ChatRequest, context: AjarRequestContext) async throws -> CandidateRunner.Success<ChatResponse> {
        try await watcher.run(on: context.channel) {
            try await gateway.complete(
                request, principal: context.principal, requestID: context.requestID, decision: context.decision, logger: context.logger)
        }
    }

    /// Starts a streamed request (up to its first token), cancelling it if the client disconnects.
    func stream(_ request: ChatRequest, context: AjarRequestContext) async throws
        -> (StreamBox, deployment: String, policy: String?)
    {
        try await watcher.run(on: context.channel) {
            let success = try await gateway.stream(
                request, principal: context.principal, requestID: context.requestID, decision: context.decision, logger: context.logger)
            return (StreamBox(success.value), success.deployment.id, success.policy)
        }
    }

    /// Headers of a successful JSON answer.
    static func jsonHeaders(requestID: String, deployment: String, policy: String? = nil) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = requestID
        headers[.deployment] = deployment
        if let policy { headers[.policy] = policy }
        return headers
    }

    /// Headers of a successful event stream.
    static func streamHeaders(requestID: String, deployment: String, policy: String? = nil) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[.requestID] = requestID
        headers[.deployment] = deployment
        if let policy { headers[.policy] = policy }
        return headers
    }

    /// The error answer for anything thrown below, in the dialect's format, with the policy's
    /// decision trace when the request got that far.
    static func errorResponse(_ error: any Error, dialect: Dialect, context: AjarRequestContext) -> Response {
        var response = gatewayError(error, logger: context.logger).response(dialect: dialect, requestID: context.requestID)
        if let header = context.decision.header { response.headers[.policy] = header }
        return response
    }

    /// Maps anything thrown below to the client-visible taxonomy.
    static func gatewayError(_ error: any Error, logger: Logger) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case is CancellationError:
            return .unavailable("The request was cancelled.", retryAfter: nil)
        case let error as ProviderError:
            // A provider error that escaped the runner (it translates them all): report it as upstream.
            return .upstreamFailed(status: 502, message: "Upstream error: \(error)")
        default:
            logger.error("unexpected error", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            return .internalError("An internal error occurred.")
        }
    }

    /// A stream error, in words safe for the client (the stream's status is already 200).
    static func streamErrorMessage(_ error: any Error) -> GatewayError {
        switch error {
        case let error as GatewayError: error
        case let error as ProviderError:
            switch error {
            case .timeout: .upstreamFailed(status: 504, message: "The upstream stream went silent past its timeout.")
            case .http(let status, let message, _):
                .upstreamFailed(status: status >= 500 ? status : 502, message: "Upstream error: \(message)")
            default: .upstreamFailed(status: 502, message: "The upstream stream failed: \(CandidateRunner.summary(error)).")
            }
        default: .upstreamFailed(status: 502, message: "The upstream stream failed.")
        }
    }
}

/// Carries a committed stream into the response body writer. Only that writer ever iterates it, so
/// sharing it across the Sendable boundary is safe.
package final class StreamBox: @unchecked Sendable {
    package var stream: ChatStream
    init(_ stream: ChatStream) { self.stream = stream }
}
