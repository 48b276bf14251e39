import AjarCore
import Foundation

/// Gemini's `models/{model}:embedContent` for one text and `:batchEmbedContents` for several
/// (ai.google.dev/api/embeddings); `outputDimensionality` carries `dimensions`. Token-id input has
/// no Gemini form and is refused as unsupported (the next deployment may take it).
extension GeminiProvider: EmbeddingProvider {
    package func embed(_ request: EmbeddingRequest) async throws -> EmbeddingResponse {
        guard case .texts(let texts) = request.input else {
            throw ProviderError.unsupported("Gemini embeds text, not token ids")
        }
        var name = request.model
        if name.hasPrefix("models/") { name = String(name.dropFirst("models/".count)) }
        func content(_ text: String) -> JSONObject {
            var item: JSONObject = ["model": .string("models/\(name)"), "content": ["parts": [["text": .string(text)]]]]
            if let dimensions = request.dimensions { item["outputDimensionality"] = JSON(dimensions) }
            return item
        }
        let single = texts.count == 1
        let body: JSON = single ? .object(content(texts[0])) : ["requests": .array(texts.map { .object(content($0)) })]
        let url = GeminiWire.url(baseURL: baseURL, model: name, stream: false)
            .replacingOccurrences(of: ":generateContent", with: single ? ":embedContent" : ":batchEmbedContents")
        let (_, buffer) = try await client.sendCollecting(
            UpstreamClient.post(url: url, headers: GeminiWire.headers(apiKey: apiKey), json: body), errorMessage: GeminiWire.errorMessage)
        let json: JSON
        do {
            json = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw ProviderError.malformedResponse("Gemini's embeddings answer is not JSON: \(error)")
        }
        let items = single ? [json["embedding"]].compactMap { $0 } : (json["embeddings"]?.arrayValue ?? [])
        let vectors = items.map { ($0["values"]?.arrayValue ?? []).compactMap { $0.doubleValue.map(Float.init) } }
        guard vectors.count == texts.count, !vectors.contains(where: \.isEmpty) else {
            throw ProviderError.malformedResponse("Gemini returned \(vectors.count) embeddings for \(texts.count) texts")
        }
        // Gemini reports no token usage for embeddings: estimate 4 bytes per token.
        let tokens = texts.reduce(0) { $0 + max(1, $1.utf8.count / 4) }
        return EmbeddingResponse(model: name, vectors: vectors, promptTokens: tokens)
    }
}
