import AjarCore
import Foundation

/// `POST {base}/embeddings` (platform.openai.com/docs/api-reference/embeddings): floats asked for
/// explicitly, so nothing depends on the server's default encoding.
extension OpenAIProvider: EmbeddingProvider {
    package func embed(_ request: EmbeddingRequest) async throws -> EmbeddingResponse {
        var body: JSONObject = ["model": .string(request.model), "encoding_format": "float"]
        switch request.input {
        case .texts(let texts): body["input"] = .array(texts.map(JSON.string))
        case .tokens(let tokens): body["input"] = .array(tokens.map { .array($0.map { JSON($0) }) })
        }
        if let dimensions = request.dimensions { body["dimensions"] = JSON(dimensions) }
        if let user = request.user { body["user"] = .string(user) }
        var headers = extraHeaders
        if let apiKey, !apiKey.isEmpty { headers.append(("authorization", "Bearer \(apiKey.value)")) }
        let (_, buffer) = try await client.sendCollecting(
            UpstreamClient.post(url: baseURL + "/embeddings", headers: headers, json: .object(body)),
            errorMessage: OpenAIWire.errorMessage)
        let json: JSON
        do {
            json = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw ProviderError.malformedResponse("the embeddings answer is not JSON: \(error)")
        }
        guard let data = json["data"]?.arrayValue else { throw ProviderError.malformedResponse("the embeddings answer has no data") }
        var vectors = [[Float]](repeating: [], count: request.input.count)
        for item in data {
            guard let index = item["index"]?.intValue, vectors.indices.contains(index),
                let values = item["embedding"]?.arrayValue
            else { throw ProviderError.malformedResponse("an embedding has no index or values") }
            vectors[index] = values.compactMap { $0.doubleValue.map(Float.init) }
        }
        guard !vectors.contains(where: \.isEmpty) else { throw ProviderError.malformedResponse("an input got no embedding") }
        return EmbeddingResponse(
            model: json["model"]?.stringValue ?? request.model, vectors: vectors,
            promptTokens: json["usage"]?["prompt_tokens"]?.intValue ?? 0)
    }
}
