// Fake OpenAI: `POST /v1/embeddings`, `GET /v1/models` and the benchmark answer.
//
// Embeddings after platform.openai.com/docs/api-reference/embeddings: `input` is a string, an
// array of strings, an array of token ids or an array of arrays of token ids; `encoding_format`
// is `float` (default) or `base64` (little-endian float32, which the official Python SDK asks
// for by default); the answer is `{"object": "list", "data": [{"object": "embedding", "index",
// "embedding"}], "model", "usage": {"prompt_tokens", "total_tokens"}}`.

import Hummingbird

extension FakeOpenAI {
    static let embeddingFields: Set<String> = ["input", "model", "dimensions", "encoding_format", "user"]

    static func embeddings(_ call: FakeCall) async -> Response {
        if let denied = authenticate(call) { return denied }
        guard let body = FakeRequestJSON.object(from: call.body) else { return unparsableBody() }
        if call.options.rejectsUnknownFields,
            let unknown = body.keys.sorted().first(where: { !embeddingFields.contains($0) })
        {
            return invalid("Unrecognized request argument supplied: \(unknown)").response
        }
        guard let model = body.string("model"), !model.isEmpty else {
            return invalid("you must provide a model parameter").response
        }
        guard let inputs = embeddingInputs(body["input"]) else {
            return invalid(
                "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                param: "input"
            ).response
        }
        var dimensions = call.options.embeddingDimensions
        if body.has("dimensions") {
            guard let requested = body.int("dimensions"), (1...8192).contains(requested) else {
                return invalid("Invalid 'dimensions': expected an integer of at least 1.", param: "dimensions")
                    .response
            }
            dimensions = requested
        }
        let format = body.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            return invalid(
                "Invalid value: '\(format)'. Supported values are: 'float' and 'base64'.", param: "encoding_format",
                code: "invalid_value"
            ).response
        }
        let scenario = Scenario(model: model)
        if let response = await prelude(call, scenario: scenario, model: model, isStream: false) { return response }

        let data: [FakeJSON] = inputs.enumerated().map { index, input in
            let vector = FakeEmbedding.vector(for: input.text, dimensions: dimensions)
            let embedding: FakeJSON =
                format == "base64" ? .string(FakeEmbedding.base64(vector)) : .array(vector.map { .float($0) })
            return ["object": "embedding", "index": .int(index), "embedding": embedding]
        }
        let tokens = inputs.reduce(0) { $0 + $1.tokens }
        let list: FakeJSON = [
            "object": "list",
            "data": .array(data),
            "model": .string(model),
            "usage": ["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)],
        ]
        return FakeHTTP.json(list, headers: responseHeaders())
    }

    /// The inputs to embed, each with its token count; `nil` when `input` has none of the
    /// documented shapes or is empty.
    private static func embeddingInputs(_ input: Any?) -> [(text: String, tokens: Int)]? {
        func tokenIDs(_ value: Any) -> [Int]? {
            guard let numbers = value as? [Any], !numbers.isEmpty, !(numbers.first is String) else { return nil }
            let ids = numbers.compactMap { $0 as? Int }
            return ids.count == numbers.count ? ids : nil
        }
        if let text = input as? String {
            return text.isEmpty ? nil : [(text, FakeAnswer.wordCount(text))]
        }
        if let ids = input.flatMap(tokenIDs) {
            return [(ids.map(String.init).joined(separator: " "), ids.count)]
        }
        guard let items = input as? [Any], !items.isEmpty else { return nil }
        var result: [(text: String, tokens: Int)] = []
        for item in items {
            if let text = item as? String, !text.isEmpty {
                result.append((text, FakeAnswer.wordCount(text)))
            } else if let ids = tokenIDs(item) {
                result.append((ids.map(String.init).joined(separator: " "), ids.count))
            } else {
                return nil
            }
        }
        return result
    }

    // MARK: - Models

    static let modelIDs = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "bench-model"]

    static func models(_ call: FakeCall) -> Response {
        if let denied = authenticate(call) { return denied }
        let data: [FakeJSON] = modelIDs.map { id in
            ["id": .string(id), "object": "model", "created": 1_700_000_000, "owned_by": "system"]
        }
        return FakeHTTP.json(["object": "list", "data": .array(data)], headers: responseHeaders())
    }

    // MARK: - Benchmark

    /// The fixed `chat.completion` answered to `bench-model` (765 bytes, the same body as the
    /// bench suite's nginx upstream, so both floors are comparable).
    static let benchBody: ByteBuffer = {
        let content =
            "The gateway received your request, forwarded it to the upstream model and returned this fixed "
            + "completion, so that throughput and added latency can be measured without any real inference."
        let completion: FakeJSON = [
            "id": "chatcmpl-bench00000000000000000000001",
            "object": "chat.completion",
            "created": 1_767_225_600,
            "model": "bench-model",
            "choices": [
                [
                    "index": 0,
                    "message": ["role": "assistant", "content": .string(content), "refusal": nil, "annotations": []],
                    "logprobs": nil,
                    "finish_reason": "stop",
                ]
            ],
            "usage": usageJSON(prompt: 118, completion: 36),
            "service_tier": "default",
            "system_fingerprint": "fp_bench0001",
        ]
        return ByteBuffer(bytes: completion.bytes)
    }()

    static func benchResponse() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: benchBody))
    }

    /// Whether a chat body asks for `bench-model`, judged from the bytes without parsing: the
    /// first `"model"` key's value. (Inside JSON strings quotes are escaped, so message text
    /// cannot fake the key.)
    static func isBenchRequest(_ body: [UInt8]) -> Bool {
        guard let start = valueStart(ofKey: Array(#""model""#.utf8), in: body) else { return false }
        let expected = Array(#""bench-model""#.utf8)
        return body.count >= start + expected.count && body[start..<(start + expected.count)].elementsEqual(expected)
    }

    /// Whether a chat body has `"stream": true`, judged from the bytes.
    static func isStreamRequest(_ body: [UInt8]) -> Bool {
        guard let start = valueStart(ofKey: Array(#""stream""#.utf8), in: body) else { return false }
        return body[start] == UInt8(ascii: "t")
    }

    /// Index of the first byte of the value of the first occurrence of `key` (quoted) followed
    /// by optional whitespace and a colon.
    private static func valueStart(ofKey key: [UInt8], in body: [UInt8]) -> Int? {
        guard body.count > key.count else { return nil }
        var index = 0
        while index + key.count <= body.count {
            if body[index] == key[0], body[index..<(index + key.count)].elementsEqual(key) {
                var cursor = index + key.count
                while cursor < body.count, body[cursor] == 0x20 || body[cursor] == 0x0A || body[cursor] == 0x0D
                    || body[cursor] == 0x09
                {
                    cursor += 1
                }
                if cursor < body.count, body[cursor] == UInt8(ascii: ":") {
                    cursor += 1
                    while cursor < body.count, body[cursor] == 0x20 || body[cursor] == 0x0A || body[cursor] == 0x0D
                        || body[cursor] == 0x09
                    {
                        cursor += 1
                    }
                    return cursor < body.count ? cursor : nil
                }
            }
            index += 1
        }
        return nil
    }
}
