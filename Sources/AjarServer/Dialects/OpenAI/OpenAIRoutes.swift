import AjarCore
import AjarGateway
import AjarProviders
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The OpenAI dialect: `POST /v1/chat/completions`, `GET /v1/models`, `GET /v1/models/{id}`.
package struct OpenAIRoutes: Sendable {
    let handler: ChatHandler

    package func addRoutes(to router: Router<AjarRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            await chatCompletions(request, context: context)
        }
        router.get("/v1/models") { _, context in
            models(context: context)
        }
        router.get("/v1/models/{id}") { _, context in
            model(context.parameters.get("id") ?? "", context: context)
        }
    }

    func chatCompletions(_ request: Request, context: AjarRequestContext) async -> Response {
        let chat: ChatRequest
        do {
            chat = try OpenAIWire.decodeRequest(try await handler.readJSON(request))
        } catch {
            return error.response(dialect: .openAI, requestID: context.requestID)
        }
        do {
            if chat.stream {
                let (box, deployment) = try await handler.stream(chat, context: context)
                return streamResponse(box, includeUsage: chat.includeUsage, deployment: deployment, context: context)
            }
            let success = try await handler.complete(chat, context: context)
            let body = OpenAIWire.encodeResponse(success.value)
            return Response(
                status: .ok, headers: ChatHandler.jsonHeaders(requestID: context.requestID, deployment: success.deployment.id),
                body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
        } catch {
            return ChatHandler.gatewayError(error, logger: context.logger)
                .response(dialect: .openAI, requestID: context.requestID)
        }
    }

    /// Server-sent `data: {chunk}` events ending with `data: [DONE]`; an error after the first
    /// event is sent as a `data: {"error": …}` event (what OpenAI's SDK raises as an APIError).
    func streamResponse(_ box: StreamBox, includeUsage: Bool, deployment: String, context: AjarRequestContext) -> Response {
        let watcher = handler.watcher
        let channel = context.channel
        let body = ResponseBody { writer in
            try await watcher.run(on: channel) {
                do {
                    for try await var chunk in box.stream {
                        if chunk.usage != nil, !includeUsage {
                            // The gateway always asks upstreams for usage; a client that did not ask
                            // gets no usage-only event.
                            if chunk.choices.isEmpty { continue }
                            chunk.usage = nil
                        }
                        try await writer.write(Self.event(OpenAIWire.encodeChunk(chunk, includeUsageField: includeUsage)))
                    }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    let failure = ChatHandler.streamErrorMessage(error)
                    try await writer.write(Self.event(failure.openAIBody))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            }
        }
        return Response(
            status: .ok, headers: ChatHandler.streamHeaders(requestID: context.requestID, deployment: deployment), body: body)
    }

    static func event(_ json: JSON) -> ByteBuffer {
        var bytes: [UInt8] = Array("data: ".utf8)
        bytes.reserveCapacity(512)
        json.write(into: &bytes)
        bytes.append(contentsOf: [0x0A, 0x0A])
        return ByteBuffer(bytes: bytes)
    }

    func models(context: AjarRequestContext) -> Response {
        let data = handler.gateway.models.map { model in Self.modelObject(model.alias, isAvailable: model.isAvailable) }
        let body: JSON = ["object": "list", "data": .array(data)]
        return jsonResponse(body, context: context)
    }

    func model(_ id: String, context: AjarRequestContext) -> Response {
        guard let model = handler.gateway.models.first(where: { $0.alias == id }) else {
            return GatewayError.modelNotFound(id).response(dialect: .openAI, requestID: context.requestID)
        }
        return jsonResponse(Self.modelObject(model.alias, isAvailable: model.isAvailable), context: context)
    }

    static func modelObject(_ alias: String, isAvailable: Bool) -> JSON {
        ["id": .string(alias), "object": "model", "created": 0, "owned_by": "ajar", "ajar": ["available": .bool(isAvailable)]]
    }

    func jsonResponse(_ body: JSON, context: AjarRequestContext) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = context.requestID
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
