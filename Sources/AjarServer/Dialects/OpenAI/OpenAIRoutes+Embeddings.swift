import AjarCore
import AjarGateway
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/embeddings` in OpenAI's format (platform.openai.com/docs/api-reference/embeddings):
/// `input` as a string, an array of strings, an array of token ids or an array of arrays of token
/// ids; `encoding_format` `float` (default) or `base64` (little-endian float32, what the official
/// Python SDK asks for); `dimensions` where the model supports it.
extension OpenAIRoutes {
    func embeddings(_ request: Request, context: AjarRequestContext) async -> Response {
        let embedding: EmbeddingRequest
        let base64: Bool
        do {
            (embedding, base64) = try Self.decodeEmbeddingRequest(try await handler.readJSON(request))
        } catch {
            return error.response(dialect: .openAI, requestID: context.requestID)
        }
        do {
            let success = try await handler.watcher.run(on: context.channel) {
                try await handler.gateway.embed(
                    embedding, principal: context.principal, requestID: context.requestID, decision: context.decision, logger: context.logger)
            }
            let data: [JSON] = success.value.vectors.enumerated().map { index, vector in
                [
                    "object": "embedding", "index": JSON(index),
                    "embedding": base64 ? .string(Self.base64(vector)) : .array(vector.map { JSON(Double($0)) }),
                ]
            }
            let tokens = success.value.promptTokens
            let body: JSON = [
                "object": "list", "data": .array(data), "model": .string(embedding.model),
                "usage": ["prompt_tokens": JSON(tokens), "total_tokens": JSON(tokens)],
            ]
            return Response(
                status: .ok,
                headers: ChatHandler.jsonHeaders(requestID: context.requestID, deployment: success.deployment.id, policy: success.policy),
                body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
        } catch {
            return ChatHandler.errorResponse(error, dialect: .openAI, context: context)
        }
    }

    static func decodeEmbeddingRequest(_ json: JSON) throws(GatewayError) -> (EmbeddingRequest, base64: Bool) {
        guard let object = json.objectValue else { throw .invalidRequest("The request body must be a JSON object.") }
        guard let model = object["model"]?.stringValue, !model.isEmpty else {
            throw .invalidRequest("you must provide a model parameter", param: "model")
        }
        let input: EmbeddingInput
        let invalidInput = GatewayError.invalidRequest(
            "'input' must be a non-empty string, array of strings, array of token ids or array of token-id arrays.", param: "input")
        switch object["input"] {
        case .string(let text)?:
            guard !text.isEmpty else { throw invalidInput }
            input = .texts([text])
        case .array(let items)? where !items.isEmpty:
            if items.allSatisfy({ $0.stringValue != nil }) {
                let texts = items.compactMap(\.stringValue)
                guard !texts.contains(where: \.isEmpty) else { throw invalidInput }
                input = .texts(texts)
            } else if items.allSatisfy({ $0.intValue != nil }) {
                input = .tokens([items.compactMap(\.intValue)])
            } else if items.allSatisfy({ item in
                guard let ids = item.arrayValue, !ids.isEmpty else { return false }
                return ids.allSatisfy { $0.intValue != nil }
            }) {
                input = .tokens(items.map { ($0.arrayValue ?? []).compactMap(\.intValue) })
            } else {
                throw invalidInput
            }
        default:
            throw invalidInput
        }
        guard input.count <= 2048 else { throw .invalidRequest("At most 2048 inputs per request.", param: "input") }
        var base64 = false
        if let format = object["encoding_format"] {
            switch format.stringValue {
            case "float"?: base64 = false
            case "base64"?: base64 = true
            default: throw .invalidRequest("'encoding_format' must be 'float' or 'base64'.", param: "encoding_format")
            }
        }
        var dimensions: Int?
        if let value = object["dimensions"], value != .null {
            guard let number = value.intValue, number >= 1 else {
                throw .invalidRequest("'dimensions' must be an integer of at least 1.", param: "dimensions")
            }
            dimensions = number
        }
        return (EmbeddingRequest(model: model, input: input, dimensions: dimensions, user: object["user"]?.stringValue), base64)
    }

    /// Little-endian float32 bytes, base64 (what OpenAI sends for `encoding_format: base64`).
    static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            bytes += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                      UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
        return Data(bytes).base64EncodedString()
    }
}
