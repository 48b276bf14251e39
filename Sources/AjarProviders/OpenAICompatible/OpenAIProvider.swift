import AjarCore
import AsyncHTTPClient
import Foundation

/// An OpenAI-compatible upstream: OpenAI itself, or any server that speaks its Chat Completions
/// dialect (Ollama, vLLM, llama.cpp's server, Groq, Mistral, OpenRouter, Together…).
package struct OpenAIProvider: ChatProvider {
    package let name: String
    /// The API root including its version, e.g. `https://api.openai.com/v1`.
    package let baseURL: String
    let apiKey: Secret?
    let client: UpstreamClient
    let extraHeaders: [(String, String)]
    /// `max_completion_tokens` for OpenAI itself (its newer models refuse `max_tokens`),
    /// `max_tokens` for the servers that copy its older dialect.
    let maxTokensField: String

    package init(
        name: String, baseURL: String, apiKey: Secret?, client: UpstreamClient,
        extraHeaders: [(String, String)] = [], maxTokensField: String? = nil
    ) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.client = client
        self.extraHeaders = extraHeaders
        self.maxTokensField =
            maxTokensField ?? (baseURL.contains("://api.openai.com") ? "max_completion_tokens" : "max_tokens")
    }

    private func httpRequest(for request: ChatRequest) -> HTTPClientRequest {
        var headers = extraHeaders
        if let apiKey, !apiKey.isEmpty { headers.append(("authorization", "Bearer \(apiKey.value)")) }
        if request.stream { headers.append(("accept", "text/event-stream")) }
        return UpstreamClient.post(
            url: baseURL + "/chat/completions", headers: headers,
            json: OpenAIWire.encodeRequest(request, maxTokensField: maxTokensField))
    }

    package func complete(_ request: ChatRequest) async throws -> ChatResponse {
        var request = request
        request.stream = false
        let (_, body) = try await client.sendCollecting(httpRequest(for: request), errorMessage: OpenAIWire.errorMessage)
        let json: JSON
        do {
            json = try JSONParser.parse(body.readableBytesView)
        } catch {
            throw ProviderError.malformedResponse("the answer is not JSON: \(error)")
        }
        return try OpenAIWire.decodeResponse(json, now: Int(Date().timeIntervalSince1970))
    }

    package func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error> {
        var request = request
        request.stream = true
        return client.streamChunks(
            httpRequest(for: request), decoder: OpenAIStreamDecoder(), errorMessage: OpenAIWire.errorMessage)
    }
}

/// Reads OpenAI's `data: {chunk}` events up to `data: [DONE]`.
struct OpenAIStreamDecoder: StreamChunkDecoder {
    private var isDone = false
    private var sawOutput = false
    private var sawFinish = false

    mutating func decode(_ event: SSEParser.Event) throws -> [ChatChunk] {
        guard !isDone else { return [] }
        if event.data == "[DONE]" {
            isDone = true
            return []
        }
        let json: JSON
        do {
            json = try JSONParser.parse(Array(event.data.utf8))
        } catch {
            throw ProviderError.malformedResponse("a stream event is not JSON: \(error)")
        }
        let chunk = try OpenAIWire.decodeChunk(json, now: Int(Date().timeIntervalSince1970))
        if chunk.hasOutput { sawOutput = true }
        if chunk.choices.contains(where: { $0.finishReason != nil }) { sawFinish = true }
        return [chunk]
    }

    mutating func finish() throws -> [ChatChunk] {
        // Some compatible servers end the body after the finish chunk without `[DONE]`: accept that,
        // as their own clients do. A body that ends before either was cut off.
        guard isDone || sawFinish else {
            throw ProviderError.streamEndedEarly(
                sawOutput ? "the stream ended before its finish" : "the stream ended before any output")
        }
        return []
    }
}
