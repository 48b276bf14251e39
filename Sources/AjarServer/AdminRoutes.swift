import AjarCore
import AjarGateway
import AjarStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/admin/keys…` (admin key required) and `/api/usage`:
///
/// | route | does |
/// | --- | --- |
/// | `POST /api/admin/keys` | create a key: `{app, team?, tier?, models?, budget?: "50/month", rpm?, tpm?}`; the secret is in this answer only |
/// | `GET /api/admin/keys` | list keys (never secrets) |
/// | `POST /api/admin/keys/{id}/rotate` | a new secret for the same key; the old one stops working |
/// | `DELETE /api/admin/keys/{id}` | revoke |
/// | `GET /api/usage?group_by=key|team|model|day&from&to` | usage and cost, from/to as ISO 8601 dates or times |
struct AdminRoutes: Sendable {
    let gateway: Gateway

    func addRoutes(to router: Router<AjarRequestContext>) {
        router.post("/api/admin/keys") { request, context in await admin(request, context) { try await create(request, context, $0) } }
        router.get("/api/admin/keys") { request, context in await admin(request, context) { try await list($0) } }
        router.post("/api/admin/keys/{id}/rotate") { request, context in
            await admin(request, context) { try await rotate(context.parameters.get("id") ?? "", context, $0) }
        }
        router.delete("/api/admin/keys/{id}") { request, context in
            await admin(request, context) { try await revoke(context.parameters.get("id") ?? "", context, $0) }
        }
        router.get("/api/usage") { request, context in await usage(request, context) }
    }

    /// Runs `body` for a request that carries the admin key.
    private func admin(_ request: Request, _ context: AjarRequestContext, _ body: (Accountant) async throws -> JSON) async -> Response {
        guard let accountant = gateway.accountant else {
            return GatewayError.unavailable("No store is configured.", retryAfter: nil).response(dialect: .openAI, requestID: context.requestID)
        }
        guard accountant.requiresKeys else {
            return GatewayError.forbidden(
                "The admin API needs an admin key: set AJAR_ADMIN_KEY or auth.admin_key (the ajar keys command works without one).",
                code: "admin_key_not_configured"
            ).response(dialect: .openAI, requestID: context.requestID)
        }
        guard accountant.isAdmin(AuthMiddleware.key(request)) else {
            return GatewayError.unauthorized("This endpoint needs the admin key.").response(dialect: .openAI, requestID: context.requestID)
        }
        do {
            return json(try await body(accountant), context)
        } catch let error as GatewayError {
            return error.response(dialect: .openAI, requestID: context.requestID)
        } catch let error as StoreError {
            if case .keyNotFound = error {
                return GatewayError.notFound("No such key.").response(dialect: .openAI, requestID: context.requestID)
            }
            return GatewayError.invalidRequest("\(error)").response(dialect: .openAI, requestID: context.requestID)
        } catch {
            return GatewayError.internalError("The store failed.").response(dialect: .openAI, requestID: context.requestID)
        }
    }

    private func create(_ request: Request, _ context: AjarRequestContext, _ accountant: Accountant) async throws -> JSON {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        guard let object = (try? JSONParser.parse(body.readableBytesView))?.objectValue else {
            throw GatewayError.invalidRequest("Expected a JSON object: {app, team?, tier?, models?, budget?, rpm?, tpm?}.")
        }
        guard let app = object["app"]?.stringValue, !app.isEmpty else { throw GatewayError.invalidRequest("'app' is required.", param: "app") }
        var budget: Budget?
        if let text = object["budget"]?.stringValue {
            guard let parsed = Budget(parsing: text) else {
                throw GatewayError.invalidRequest("'budget' must read like 50/month or 2.5/day (USD).", param: "budget")
            }
            budget = parsed
        }
        let models = object["models"]?.arrayValue?.compactMap(\.stringValue)
        let key = NewKey(
            app: app, team: object["team"]?.stringValue, tier: object["tier"]?.stringValue ?? Accountant.defaultTierMarker, allowedModels: models,
            rateLimits: RateLimits(requestsPerMinute: object["rpm"]?.intValue, tokensPerMinute: object["tpm"]?.intValue),
            budget: budget)
        let created = try await accountant.createKey(key, requestID: context.requestID)
        var result = Self.json(created.record).objectValue ?? [:]
        result["secret"] = .string(created.secret.value)
        return .object(result)
    }

    private func list(_ accountant: Accountant) async throws -> JSON {
        ["object": "list", "data": .array(try await accountant.store.listKeys(includeRevoked: true).map(Self.json))]
    }

    private func rotate(_ id: String, _ context: AjarRequestContext, _ accountant: Accountant) async throws -> JSON {
        let created = try await accountant.rotateKey(id: id, requestID: context.requestID)
        var result = Self.json(created.record).objectValue ?? [:]
        result["secret"] = .string(created.secret.value)
        return .object(result)
    }

    private func revoke(_ id: String, _ context: AjarRequestContext, _ accountant: Accountant) async throws -> JSON {
        let record = try await accountant.revokeKey(id: id, requestID: context.requestID)
        return Self.json(record)
    }

    private func usage(_ request: Request, _ context: AjarRequestContext) async -> Response {
        guard let accountant = gateway.accountant else {
            return GatewayError.unavailable("No store is configured.", retryAfter: nil).response(dialect: .openAI, requestID: context.requestID)
        }
        if accountant.requiresKeys, !accountant.isAdmin(AuthMiddleware.key(request)) {
            return GatewayError.unauthorized("Usage needs the admin key.").response(dialect: .openAI, requestID: context.requestID)
        }
        let query = request.uri.queryParameters
        let grouping = query["group_by"].map(String.init) ?? "model"
        guard let groupBy = UsageGrouping(rawValue: grouping) else {
            return GatewayError.invalidRequest("group_by must be key, team, model or day.", param: "group_by")
                .response(dialect: .openAI, requestID: context.requestID)
        }
        let from = query["from"].flatMap { Self.date(String($0)) } ?? Date(timeIntervalSince1970: 0)
        let to = query["to"].flatMap { Self.date(String($0)) } ?? Date().addingTimeInterval(86_400)
        do {
            let rows = try await accountant.store.usage(groupBy: groupBy, from: from, to: to)
            let data: [JSON] = rows.map { row in
                [
                    "group": row.group.map(JSON.string) ?? .null, "requests": JSON(row.requests), "errors": JSON(row.errors),
                    "tokens_in": JSON(row.tokensIn), "tokens_out": JSON(row.tokensOut), "tokens_cached": JSON(row.tokensCached),
                    "cost_usd": JSON(Double(row.costMicros) / 1_000_000), "average_latency_ms": JSON(row.averageLatencyMs),
                ]
            }
            return json(["object": "list", "group_by": .string(grouping), "data": .array(data)], context)
        } catch {
            return GatewayError.internalError("The store failed.").response(dialect: .openAI, requestID: context.requestID)
        }
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }

    static func json(_ record: KeyRecord) -> JSON { Accountant.json(record) }

    private func json(_ body: JSON, _ context: AjarRequestContext) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = context.requestID
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
