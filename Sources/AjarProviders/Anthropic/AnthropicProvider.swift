import AjarCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Anthropic's Messages API (`POST /v1/messages`) as a ``ChatProvider``: canonical requests are
/// translated to Anthropic's shape (see `AnthropicProvider+Mapping.swift`), answers and stream
/// events back to the canonical, OpenAI-shaped ones (`AnthropicProvider+Stream.swift`).
package struct AnthropicProvider: ChatProvider {
    package let name: String
    /// The full Messages endpoint, e.g. `https://api.anthropic.com/v1/messages`.
    package let url: String
    private let apiKey: Secret?
    private let client: UpstreamClient
    /// `max_tokens` when the request sets none (Anthropic requires it).
    package let defaultMaxTokens: Int
    /// The `anthropic-version` header.
    package let version: String

    /// - Parameters:
    ///   - name: The provider's key in the configuration, for logs.
    ///   - baseURL: `https://api.anthropic.com`, with or without a trailing `/` or `/v1`.
    ///   - apiKey: Sent as `x-api-key`; `nil` for a proxy that adds its own.
    ///   - client: The pooled HTTP client (its timeout applies).
    ///   - defaultMaxTokens: `max_tokens` for requests that set no limit.
    ///   - version: The `anthropic-version` header.
    package init(
        name: String, baseURL: String, apiKey: Secret?, client: UpstreamClient,
        defaultMaxTokens: Int = 4096, version: String = AnthropicWire.defaultVersion
    ) {
        self.name = name
        self.url = AnthropicWire.messagesURL(baseURL: baseURL)
        self.apiKey = apiKey
        self.client = client
        self.defaultMaxTokens = defaultMaxTokens
        self.version = version
    }

    /// Sends the request without streaming and maps Anthropic's `message` object.
    /// - Throws: ``ProviderError`` for upstream failures (statuses, transport, malformed bodies,
    ///   `n > 1`), ``GatewayError/invalidRequest(_:param:)`` for tool-call arguments that are not JSON.
    package func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let body = try Self.makeRequestBody(request, defaultMaxTokens: defaultMaxTokens, stream: false)
        let (_, buffer) = try await client.sendCollecting(
            makeHTTPRequest(body, stream: false), errorMessage: AnthropicWire.errorMessage)
        let json: JSON
        do {
            json = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw ProviderError.malformedResponse("Anthropic answer is not JSON: \(error)")
        }
        return try Self.makeResponse(json, created: Int(Date().timeIntervalSince1970))
    }

    /// Sends the request with `stream: true` and yields canonical chunks as events arrive.
    package func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error> {
        let body: JSON
        do {
            body = try Self.makeRequestBody(request, defaultMaxTokens: defaultMaxTokens, stream: true)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return client.streamChunks(
            makeHTTPRequest(body, stream: true),
            decoder: StreamDecoder(created: Int(Date().timeIntervalSince1970)),
            errorMessage: AnthropicWire.errorMessage)
    }

    private func makeHTTPRequest(_ body: JSON, stream: Bool) -> HTTPClientRequest {
        UpstreamClient.post(
            url: url, headers: AnthropicWire.headers(apiKey: apiKey, version: version, stream: stream), json: body)
    }
}
