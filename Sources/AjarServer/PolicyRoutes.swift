import AjarCore
import AjarGateway
import AjarPolicy
import AjarProviders
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/policy/explain`: the policy's full plan for a chat request, without running it.
///
/// The body is a chat request in the OpenAI dialect (`?dialect=anthropic` for a Messages request).
/// It is judged as the caller's key would be (its tier and models); a caller with the admin key may
/// ask for another tier with `?tier=NAME`. The answer is 200 whether the policy would route or
/// refuse the request — the explanation is the result — and names data classes, never their values:
///
/// ```json
/// {"object": "policy.explanation", "decision": "route" | "refuse", "code": "policy_data_blocked",
///  "message": "…", "tier": "limited", "data_classes": ["email"], "actions": {"email": "pseudonymise"},
///  "candidates": [{"deployment", "model", "provider", "hosting", "openness_class", "restored"}],
///  "excluded": [{"model", "reason"}], "steps": ["…"], "header": "tier=limited; …",
///  "pseudonymised_spans": 1, "redacted_spans": 0, "vendor_messages": [{"role", "content"}]}
/// ```
/// `vendor_messages` is what a vendor would receive (placeholders in place of pseudonymised spans).
struct PolicyRoutes: Sendable {
    let handler: ChatHandler

    func addRoutes(to router: Router<AjarRequestContext>) {
        router.post("/api/policy/explain") { request, context in await explain(request, context) }
    }

    func explain(_ request: Request, _ context: AjarRequestContext) async -> Response {
        let anthropic = request.uri.queryParameters.get("dialect") == "anthropic"
        let json: JSON
        do {
            json = try await handler.readJSON(request)
        } catch {
            return error.response(dialect: anthropic ? .anthropic : .openAI, requestID: context.requestID)
        }
        return Self.explain(
            json, anthropic: anthropic, tier: request.uri.queryParameters.get("tier").map { String($0) },
            principal: context.principal, isAdmin: handler.gateway.accountant?.isAdmin(AuthMiddleware.key(request)) == true,
            gateway: handler.gateway, requestID: context.requestID)
    }

    /// The explanation of a chat request body, as the route answers it; the dashboard's form calls
    /// it directly as the admin.
    static func explain(
        _ json: JSON, anthropic: Bool, tier: String?, principal: Principal, isAdmin: Bool, gateway: Gateway, requestID: String
    ) -> Response {
        let chat: ChatRequest
        do {
            chat = try anthropic ? AnthropicDialect.decodeRequest(json) : OpenAIWire.decodeRequest(json)
        } catch {
            return error.response(dialect: anthropic ? .anthropic : .openAI, requestID: requestID)
        }
        var principal = principal
        if let tier, !tier.isEmpty {
            guard isAdmin else {
                return GatewayError.forbidden("Only the admin key may explain a request for another tier.", code: "admin_required")
                    .response(dialect: .openAI, requestID: requestID)
            }
            principal.tier = tier
        }
        let explanation: Gateway.Explanation
        do {
            explanation = try gateway.explain(chat, principal: principal)
        } catch {
            return error.response(dialect: anthropic ? .anthropic : .openAI, requestID: requestID)
        }
        let body: JSON
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = requestID
        switch explanation {
        case .planned(let plan, let routes):
            var object = Self.traceFields(plan.trace)
            object["decision"] = "route"
            object["candidates"] = .array(
                routes.map { route in
                    [
                        "deployment": .string(route.deployment.id), "model": .string(route.card.alias),
                        "provider": .string(route.card.provider), "hosting": .string(route.card.hosting.rawValue),
                        "openness_class": .string(route.card.opennessClass.rawValue),
                        "restored": .bool(plan.needsRestoration(for: route.card)),
                    ]
                })
            object["pseudonymised_spans"] = JSON(plan.pseudonymisedSpans)
            object["redacted_spans"] = JSON(plan.redactedSpans)
            object["vendor_messages"] = .array(
                plan.vendorRequest.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.text)] })
            let header = plan.trace.headerValue()
            object["header"] = .string(header)
            headers[.policy] = header
            body = .object(object)
        case .refused(let refusal):
            var object = Self.traceFields(refusal.trace)
            object["decision"] = "refuse"
            object["code"] = .string(refusal.code)
            object["message"] = .string(refusal.explanation)
            object["candidates"] = []
            let header = refusal.trace.headerValue()
            object["header"] = .string(header)
            headers[.policy] = header
            body = .object(object)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    static func traceFields(_ trace: DecisionTrace) -> JSONObject {
        var actions = JSONObject()
        for (dataClass, action) in trace.actions.sorted(by: { $0.key < $1.key }) { actions[dataClass.rawValue] = .string(action.rawValue) }
        return [
            "object": "policy.explanation", "tier": .string(trace.tier),
            "data_classes": .array(trace.dataClasses.map { .string($0.rawValue) }),
            "actions": .object(actions),
            "excluded": .array(trace.excluded.map { ["model": .string($0.alias), "reason": .string($0.reason)] }),
            "steps": .array(trace.steps.map { .string($0) }),
        ]
    }
}
