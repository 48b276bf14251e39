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
    /// The model list and cards as JSON, encoded once: the registry does not change while serving.
    let listing: ModelListing

    package init(handler: ChatHandler) {
        self.handler = handler
        self.listing = ModelListing(gateway: handler.gateway)
    }

    package func addRoutes(to router: Router<AjarRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            await chatCompletions(request, context: context)
        }
        router.post("/v1/embeddings") { request, context in
            await embeddings(request, context: context)
        }
        router.get("/v1/models") { _, context in
            models(context: context)
        }
        router.get("/v1/models/{id}") { _, context in
            model(context.parameters.get("id") ?? "", context: context)
        }
        router.get("/api/models/{id}") { _, context in
            card(context.parameters.get("id") ?? "", context: context)
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
                let (box, deployment, policy) = try await handler.stream(chat, context: context)
                return streamResponse(box, includeUsage: chat.includeUsage, deployment: deployment, policy: policy, context: context)
            }
            let success = try await handler.complete(chat, context: context)
            let body = OpenAIWire.encodeResponse(success.value)
            return Response(
                status: .ok, headers: ChatHandler.jsonHeaders(requestID: context.requestID, deployment: success.deployment.id, policy: success.policy),
                body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
        } catch {
            return ChatHandler.errorResponse(error, dialect: .openAI, context: context)
        }
    }

    /// Server-sent `data: {chunk}` events ending with `data: [DONE]`; an error after the first
    /// event is sent as a `data: {"error": …}` event (what OpenAI's SDK raises as an APIError).
    func streamResponse(_ box: StreamBox, includeUsage: Bool, deployment: String, policy: String? = nil, context: AjarRequestContext) -> Response {
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
            status: .ok, headers: ChatHandler.streamHeaders(requestID: context.requestID, deployment: deployment, policy: policy), body: body)
    }

    static func event(_ json: JSON) -> ByteBuffer {
        var bytes: [UInt8] = Array("data: ".utf8)
        bytes.reserveCapacity(512)
        json.write(into: &bytes)
        bytes.append(contentsOf: [0x0A, 0x0A])
        return ByteBuffer(bytes: bytes)
    }

    func models(context: AjarRequestContext) -> Response {
        jsonResponse(listing.list, context: context)
    }

    func model(_ id: String, context: AjarRequestContext) -> Response {
        guard let object = listing.objects[id] else {
            return GatewayError.modelNotFound(id).response(dialect: .openAI, requestID: context.requestID)
        }
        return jsonResponse(object, context: context)
    }

    /// `GET /api/models/{id}`: the alias's full registry card, one per deployment.
    func card(_ id: String, context: AjarRequestContext) -> Response {
        guard let body = listing.cards[id] else {
            return GatewayError.modelNotFound(id).response(dialect: .openAI, requestID: context.requestID)
        }
        return jsonResponse(body, context: context)
    }

    /// The OpenAI model object, plus an `ajar` object: availability and the registry card of the
    /// first deployment (hosting, openness record and class, prices, provenance).
    static func modelObject(_ alias: String, isAvailable: Bool, cards: [ModelCard] = []) -> JSON {
        var ajar: JSONObject = ["available": .bool(isAvailable)]
        if let card = cards.first {
            ajar["card"] = json(card)
            ajar["hosting"] = .string(card.hosting.rawValue)
            ajar["openness_class"] = .string(card.opennessClass.rawValue)
        }
        return ["id": .string(alias), "object": "model", "created": 0, "owned_by": "ajar", "ajar": .object(ajar)]
    }

    /// A card in the registry's snake_case JSON form.
    static func json(_ card: ModelCard) -> JSON {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(card), let json = try? JSONParser.parse(Array(data)) else { return .null }
        return json
    }

    func jsonResponse(_ body: JSON, context: AjarRequestContext) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = context.requestID
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}

/// `GET /v1/models`, `/v1/models/{id}` and `/api/models/{id}` bodies, built once from the gateway.
struct ModelListing: Sendable {
    let list: JSON
    let objects: [String: JSON]
    let cards: [String: JSON]

    init(gateway: Gateway) {
        var data: [JSON] = []
        var objects: [String: JSON] = [:]
        var cards: [String: JSON] = [:]
        for model in gateway.models {
            let deployments = gateway.cards(for: model.alias) ?? []
            let object = OpenAIRoutes.modelObject(model.alias, isAvailable: model.isAvailable, cards: deployments)
            data.append(object)
            objects[model.alias] = object
            cards[model.alias] = [
                "id": .string(model.alias), "available": .bool(model.isAvailable),
                "card": deployments.first.map(OpenAIRoutes.json) ?? .null, "deployments": .array(deployments.map(OpenAIRoutes.json)),
            ]
        }
        self.list = ["object": "list", "data": .array(data)]
        self.objects = objects
        self.cards = cards
    }
}
