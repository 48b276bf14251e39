import AjarCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Google's Gemini API (`v1beta` `generateContent` / `streamGenerateContent`) as a
/// ``ChatProvider``: canonical requests become `GenerateContentRequest`s
/// (`GeminiProvider+Mapping.swift`), answers and stream events become canonical, OpenAI-shaped
/// responses and chunks (`GeminiProvider+Stream.swift`). Wire details live in ``GeminiWire``.
package struct GeminiProvider: ChatProvider {
    package let name: String
    /// The API root, e.g. `https://generativelanguage.googleapis.com` (URLs are built per model).
    package let baseURL: String
    let apiKey: Secret?
    let client: UpstreamClient

    /// - Parameters:
    ///   - name: The provider's key in the configuration, for logs.
    ///   - baseURL: `https://generativelanguage.googleapis.com`, with or without a trailing `/`
    ///     or `/v1beta`.
    ///   - apiKey: Sent as `x-goog-api-key`; `nil` for a proxy that adds its own.
    ///   - client: The pooled HTTP client (its timeout applies).
    package init(name: String, baseURL: String, apiKey: Secret?, client: UpstreamClient) {
        self.name = name
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.client = client
    }

    /// Calls `generateContent` and maps the `GenerateContentResponse`.
    /// - Throws: ``ProviderError`` for upstream failures (statuses, transport, malformed bodies),
    ///   ``GatewayError/invalidRequest(_:param:)`` for requests that cannot be expressed for Gemini
    ///   (tool-call arguments that are not JSON objects, tool messages answering no call).
    package func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let body = try Self.makeRequestBody(request)
        let (_, buffer) = try await client.sendCollecting(
            makeHTTPRequest(body, model: request.model, stream: false), errorMessage: GeminiWire.errorMessage)
        let json: JSON
        do {
            json = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw ProviderError.malformedResponse("Gemini answer is not JSON: \(error)")
        }
        return try Self.makeResponse(json, requestedModel: request.model, created: Int(Date().timeIntervalSince1970))
    }

    /// Calls `streamGenerateContent?alt=sse` and yields canonical chunks as events arrive, ending
    /// with a usage chunk (empty `choices`) when Gemini reported usage.
    package func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error> {
        let body: JSON
        do {
            body = try Self.makeRequestBody(request)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        return client.streamChunks(
            makeHTTPRequest(body, model: request.model, stream: true),
            decoder: StreamDecoder(requestedModel: request.model, created: Int(Date().timeIntervalSince1970)),
            errorMessage: GeminiWire.errorMessage)
    }

    private func makeHTTPRequest(_ body: JSON, model: String, stream: Bool) -> HTTPClientRequest {
        UpstreamClient.post(
            url: GeminiWire.url(baseURL: baseURL, model: model, stream: stream),
            headers: GeminiWire.headers(apiKey: apiKey), json: body)
    }
}
