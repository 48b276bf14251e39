import AjarCore
import AjarGateway
import HTTPTypes
import Hummingbird
import NIOCore

/// The Anthropic dialect: `POST /v1/messages`, reaching any configured model.
package struct AnthropicRoutes: Sendable {
    let handler: ChatHandler

    package func addRoutes(to router: Router<AjarRequestContext>) {
        router.post("/v1/messages") { request, context in
            await messages(request, context: context)
        }
    }

    func messages(_ request: Request, context: AjarRequestContext) async -> Response {
        let chat: ChatRequest
        do {
            chat = try AnthropicDialect.decodeRequest(try await handler.readJSON(request))
        } catch {
            return error.response(dialect: .anthropic, requestID: context.requestID)
        }
        do {
            if chat.stream {
                let (box, deployment, policy) = try await handler.stream(chat, context: context)
                return streamResponse(box, model: chat.model, deployment: deployment, policy: policy, context: context)
            }
            let success = try await handler.complete(chat, context: context)
            let body = AnthropicDialect.encodeResponse(success.value, model: chat.model)
            return Response(
                status: .ok, headers: ChatHandler.jsonHeaders(requestID: context.requestID, deployment: success.deployment.id, policy: success.policy),
                body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
        } catch {
            return ChatHandler.errorResponse(error, dialect: .anthropic, context: context)
        }
    }

    /// Anthropic's named events (`message_start` … `message_stop`); a failure after the first event
    /// becomes an `error` event, as Anthropic's own API sends it.
    func streamResponse(_ box: StreamBox, model: String, deployment: String, policy: String? = nil, context: AjarRequestContext) -> Response {
        let watcher = handler.watcher
        let channel = context.channel
        let messageID = AnthropicDialect.messageID(context.requestID)
        let body = ResponseBody { writer in
            try await watcher.run(on: channel) {
                var encoder = AnthropicDialect.StreamEncoder(model: model, messageID: messageID)
                do {
                    for try await chunk in box.stream {
                        let events = encoder.encode(chunk)
                        if !events.isEmpty { try await writer.write(Self.buffer(events)) }
                    }
                    try await writer.write(Self.buffer(encoder.finish()))
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    let event = AnthropicDialect.StreamEncoder.error(ChatHandler.streamErrorMessage(error))
                    try await writer.write(Self.buffer([event]))
                }
                try await writer.finish(nil)
            }
        }
        return Response(
            status: .ok, headers: ChatHandler.streamHeaders(requestID: context.requestID, deployment: deployment, policy: policy), body: body)
    }

    static func buffer(_ events: [SSEEvent]) -> ByteBuffer {
        var bytes: [UInt8] = []
        for event in events { bytes.append(contentsOf: event.bytes()) }
        return ByteBuffer(bytes: bytes)
    }
}
