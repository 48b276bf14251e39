import AsyncHTTPClient
import AjarCore
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP client one provider uses: a pooled, kept-alive AsyncHTTPClient whose idle-read timeout
/// is the provider's timeout (so a stream that goes silent for that long fails), and helpers that
/// turn transport failures and error statuses into ``ProviderError``.
package final class UpstreamClient: Sendable {
    package let http: HTTPClient
    /// Seconds for a whole non-streamed answer, or between two stream events.
    package let timeout: Double
    /// Largest body read from an upstream (answers, error bodies).
    package let maxResponseBytes = 64 << 20

    package init(timeout: Double, maxConnectionsPerHost: Int = 512) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .milliseconds(Int64(timeout * 1000)))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.decompression = .enabled(limit: .ratio(50))
        configuration.httpVersion = .automatic
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    /// Closes pooled connections. Call once, at shutdown.
    package func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends a request and returns the response once its head has arrived; non-2xx statuses become
    /// ``ProviderError/http(status:message:retryAfter:)`` with the message `errorMessage` finds in the
    /// vendor's error body.
    package func send(
        _ request: HTTPClientRequest, errorMessage: @Sendable (JSON?, String) -> String
    ) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw Self.translate(error)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw await Self.errorFromResponse(response, errorMessage: errorMessage)
        }
        return response
    }

    /// Sends a request and collects the whole (2xx) body.
    package func sendCollecting(
        _ request: HTTPClientRequest, errorMessage: @Sendable (JSON?, String) -> String
    ) async throws -> (HTTPClientResponse, ByteBuffer) {
        let response = try await send(request, errorMessage: errorMessage)
        do {
            let body = try await response.body.collect(upTo: maxResponseBytes)
            return (response, body)
        } catch {
            throw Self.translate(error)
        }
    }

    /// Builds a JSON POST.
    package static func post(url: String, headers: [(String, String)], json: JSON) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: json.bytes))
        return request
    }

    /// Maps AsyncHTTPClient and NIO errors to ``ProviderError``.
    package static func translate(_ error: any Error) -> any Error {
        if error is ProviderError || error is GatewayError || error is CancellationError { return error }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return ProviderError.timeout
            case .cancelled:
                return CancellationError()
            default:
                return ProviderError.transport(String(describing: clientError))
            }
        }
        return ProviderError.transport(String(describing: error))
    }

    /// Reads an error response's body (bounded) and builds the matching ``ProviderError``.
    static func errorFromResponse(
        _ response: HTTPClientResponse, errorMessage: @Sendable (JSON?, String) -> String
    ) async -> ProviderError {
        let status = Int(response.status.code)
        let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
        let text = String(buffer: body)
        let json = try? JSONParser.parse(body.readableBytesView)
        var message = errorMessage(json, text)
        if message.isEmpty { message = "upstream answered HTTP \(status)" }
        let details = googleErrorDetails(json)
        // Google answers a wrong key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID): that is the
        // deployment's fault, not the request's, so it is treated as the 401 it means.
        let effectiveStatus = status == 400 && details.reasons.contains("API_KEY_INVALID") ? 401 : status
        return .http(
            status: effectiveStatus, message: message, retryAfter: retryAfter(response.headers) ?? details.retryDelay)
    }

    /// Google APIs put error reasons and the retry delay in `error.details` (`google.rpc.ErrorInfo`
    /// `reason`, `google.rpc.RetryInfo` `retryDelay` such as `"30s"`), not in headers.
    static func googleErrorDetails(_ json: JSON?) -> (reasons: [String], retryDelay: Double?) {
        let body = json?.arrayValue?.first ?? json
        guard let details = body?["error"]?["details"]?.arrayValue else { return ([], nil) }
        var reasons: [String] = []
        var delay: Double?
        for detail in details {
            if let reason = detail["reason"]?.stringValue { reasons.append(reason) }
            if let text = detail["retryDelay"]?.stringValue, text.hasSuffix("s"), let seconds = Double(text.dropLast()) {
                delay = seconds
            }
        }
        return (reasons, delay)
    }

    /// Seconds from `retry-after-ms`, or `retry-after` given in seconds or as an HTTP date.
    package static func retryAfter(_ headers: HTTPHeaders) -> Double? {
        if let value = headers.first(name: "retry-after-ms"), let ms = Double(value), ms >= 0 {
            return ms / 1000
        }
        guard let value = headers.first(name: "retry-after") else { return nil }
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: value) { return max(0, date.timeIntervalSinceNow) }
        return nil
    }
}

/// Turns one vendor's server-sent events into canonical chunks. Holds whatever state the
/// vendor's stream needs across events (ids, open content blocks, tool-call indices).
package protocol StreamChunkDecoder: Sendable {
    /// The chunks one event produces (often one, sometimes none).
    mutating func decode(_ event: SSEParser.Event) throws -> [ChatChunk]
    /// Called when the body ends: returns any last chunks, or throws
    /// ``ProviderError/streamEndedEarly(_:)`` if the stream ended before its documented end.
    mutating func finish() throws -> [ChatChunk]
}

extension UpstreamClient {
    /// Sends a streaming request and yields the chunks `decoder` makes of its events. The client's
    /// idle-read timeout bounds the wait between two pieces of the body; cancelling the consumer
    /// cancels the upstream request.
    package func streamChunks<Decoder: StreamChunkDecoder>(
        _ request: HTTPClientRequest, decoder: Decoder, errorMessage: @escaping @Sendable (JSON?, String) -> String
    ) -> AsyncThrowingStream<ChatChunk, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let task = Task {
            var decoder = decoder
            var parser = SSEParser()
            do {
                let response = try await self.send(request, errorMessage: errorMessage)
                do {
                    for try await piece in response.body {
                        for event in try parser.feed(piece.readableBytesView) {
                            for chunk in try decoder.decode(event) { continuation.yield(chunk) }
                        }
                    }
                } catch let error as HTTPClientError where error != .cancelled && error != .deadlineExceeded && error != .readTimeout {
                    // The head said 2xx and the body broke off: the stream ended early.
                    throw ProviderError.streamEndedEarly("the connection closed mid-stream (\(error))")
                }
                parser.finish()
                for chunk in try decoder.finish() { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Self.translate(error))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
