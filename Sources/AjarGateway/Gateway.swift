import AjarCore
import AjarPolicy
import AjarProviders
import AjarStore
import Foundation
import Logging

/// The request pipeline: resolves a model alias to its deployments and runs the request through
/// them (``CandidateRunner``). Built once from the configuration; shared by every request.
package final class Gateway: Sendable {
    package let config: AjarConfig
    package let runner: CandidateRunner
    /// Deployments per alias with their registry cards, in the configured order (disabled
    /// providers left out).
    private let routes: [String: [(deployment: Deployment, card: ModelCard)]]
    /// Every configured deployment's card per alias (usable or not), for `/v1/models`.
    private let cards: [String: [ModelCard]]
    /// Decides, per request, which deployments may receive it and in what form; `nil` only if
    /// the policy section is invalid, and then every request is refused (fail closed).
    package let policy: PolicyEngine?
    private let clients: [UpstreamClient]
    /// Local deployments (`provider/path`) whose model file could not be loaded, with the reason.
    package let localFailures: [String: String]

    /// Builds providers for every enabled provider of `config`.
    /// - Parameter extraProviders: providers built elsewhere, by name (the local engine, tests).
    /// Keys, budgets, usage and audit; `nil` runs without a store (tests of routing alone).
    package let accountant: Accountant?
    /// Requests, latency, tokens, cost, fallbacks, policy actions (swift-metrics).
    package let metrics: GatewayMetrics
    /// OpenTelemetry spans per request, step and upstream attempt; `nil` unless `tracing:` names a collector.
    package let tracer: OTLPTracer?

    package init(
        config: AjarConfig, extraProviders: [String: any ChatProvider] = [:],
        sleep: (@Sendable (Double) async throws -> Void)? = nil, accountant: Accountant? = nil,
        metrics: GatewayMetrics = GatewayMetrics()
    ) {
        self.config = config
        self.accountant = accountant
        self.metrics = metrics
        self.tracer = config.tracing.endpoint == nil ? nil : OTLPTracer(config: config.tracing)
        var providers = extraProviders
        var clients: [UpstreamClient] = []
        var localFailures: [String: String] = [:]
        for provider in config.providers where provider.isEnabled && providers[provider.name] == nil {
            if provider.kind == .local {
                var paths: [String] = []
                var pins: [String: String] = [:]
                for model in config.models {
                    for deployment in model.deployments where deployment.provider == provider.name {
                        paths.append(deployment.model)
                        if let sha256 = model.provenance?.sha256 { pins[deployment.model] = sha256 }
                    }
                }
                let providerName = provider.name
                let local = LocalModelProvider(
                    config: provider, models: paths, pins: pins, resolve: config.resolvePath,
                    onPinMismatch: { model, reason in
                        Task {
                            await accountant?.audit(
                                action: "model.refused", requestID: "pin-check",
                                details: ["deployment": .string("\(providerName)/\(model)"), "reason": .string(reason)])
                        }
                    })
                for (model, reason) in local.failures { localFailures["\(provider.name)/\(model)"] = reason }
                providers[provider.name] = local
                continue
            }
            let client = UpstreamClient(timeout: provider.timeout, maxConnectionsPerHost: provider.maxConnections)
            clients.append(client)
            providers[provider.name] = Self.makeRemoteProvider(provider, client: client)
        }
        var routes: [String: [(deployment: Deployment, card: ModelCard)]] = [:]
        var cards: [String: [ModelCard]] = [:]
        for model in config.models {
            let hosting = { (name: String) in config.provider(named: name)?.hosting ?? .vendor }
            cards[model.alias] = model.deployments.map { model.card(for: $0, hosting: hosting($0.provider)) }
            routes[model.alias] = model.deployments.compactMap { deployment in
                guard localFailures[deployment.id] == nil, let provider = providers[deployment.provider] else { return nil }
                return (Deployment(provider: provider, config: deployment), model.card(for: deployment, hosting: hosting(deployment.provider)))
            }
        }
        self.routes = routes
        self.cards = cards
        // ConfigLoader has validated the policy section already.
        self.policy = try? PolicyEngine(config: config.policy)
        self.localFailures = localFailures
        self.clients = clients
        let breakers = CircuitBreakers(config: config.circuitBreaker)
        let onUpstreamError: @Sendable (String) -> Void = { metrics.upstreamError(deployment: $0) }
        if let sleep {
            self.runner = CandidateRunner(retry: config.retry, breakers: breakers, sleep: sleep, onUpstreamError: onUpstreamError)
        } else {
            self.runner = CandidateRunner(retry: config.retry, breakers: breakers, onUpstreamError: onUpstreamError)
        }
    }

    /// Every routed deployment's id (`provider/model`), for metrics.
    package var deploymentIDs: [String] {
        routes.keys.sorted().flatMap { alias in routes[alias, default: []].map(\.deployment.id) }
    }

    /// Queued requests per local chat model deployment, for metrics.
    package var localQueueDepths: [(deployment: String, depth: Double)] {
        routes.keys.sorted().flatMap { alias in
            routes[alias, default: []].compactMap { route -> (String, Double)? in
                guard let local = route.deployment.provider as? LocalModelProvider,
                    let model = local.model(route.deployment.config.model)
                else { return nil }
                return (route.deployment.id, Double(model.queueDepth))
            }
        }
    }

    /// A vendor adapter (`local` providers are built from their model files instead).
    static func makeRemoteProvider(_ config: ProviderConfig, client: UpstreamClient) -> (any ChatProvider)? {
        switch config.kind {
        case .openai:
            OpenAIProvider(
                name: config.name, baseURL: config.baseURL, apiKey: config.apiKey, client: client,
                extraHeaders: config.headers, maxTokensField: config.maxTokensField)
        case .anthropic:
            AnthropicProvider(name: config.name, baseURL: config.baseURL, apiKey: config.apiKey, client: client)
        case .gemini:
            GeminiProvider(name: config.name, baseURL: config.baseURL, apiKey: config.apiKey, client: client)
        case .local:
            nil
        }
    }

    /// Closes upstream connection pools.
    package func shutdown() async {
        for client in clients { await client.shutdown() }
        await tracer?.shutdown()
    }

    /// Providers that cannot be used, with the reason, for the start-up log line.
    package var disabledProviders: [(name: String, reason: String)] {
        config.providers.compactMap { provider in provider.disabledReason.map { (provider.name, $0) } }
    }

    /// The aliases clients may ask for, in configured order, with whether any deployment is usable.
    package var models: [(alias: String, isAvailable: Bool)] {
        config.models.map { ($0.alias, !(routes[$0.alias] ?? []).isEmpty) }
    }

    /// The cards of an alias's deployments (one per deployment, in order), or `nil` if unknown.
    package func cards(for alias: String) -> [ModelCard]? { cards[alias] }

    private func deployments(for alias: String) throws(GatewayError) -> [(deployment: Deployment, card: ModelCard)] {
        guard let model = config.models.first(where: { $0.alias == alias }) else { throw .modelNotFound(alias) }
        guard let deployments = routes[alias], !deployments.isEmpty else {
            let reasons = model.deployments.map { deployment in
                let reason =
                    config.provider(named: deployment.provider)?.disabledReason ?? localFailures[deployment.id] ?? "unavailable"
                return "\(deployment.provider) (\(reason))"
            }
            throw .unavailable(
                "No deployment of '\(alias)' is usable: provider \(reasons.joined(separator: ", ")).", retryAfter: nil)
        }
        return deployments
    }

    /// The policy's plan for a request: the deployments it may go to, in order, and how.
    /// - Throws: ``GatewayError/forbidden(_:code:)`` when the policy refuses it (a blocked data
    ///   class, a refused tier, or no allowed deployment left: it fails closed).
    package func plan(_ request: ChatRequest, principal: Principal, note: DecisionNote? = nil) throws(GatewayError)
        -> (plan: Plan, routes: [(deployment: Deployment, card: ModelCard)])
    {
        switch try explain(request, principal: principal) {
        case .planned(let plan, let routes):
            note?.record(plan.trace)
            return (plan, routes)
        case .refused(let refusal):
            note?.record(refusal.trace)
            metrics.refusal(refusal, app: principal.app)
            throw refusal.gatewayError
        }
    }

    /// What the policy decides for a request, without running it (`POST /api/policy/explain`).
    package enum Explanation: Sendable {
        /// The request would go to these deployments, in order, transformed as the plan says.
        case planned(Plan, routes: [(deployment: Deployment, card: ModelCard)])
        /// The policy refuses it (fails closed), with its reason and trace.
        case refused(PolicyRefusal)
    }

    /// The policy's decision for a request: its plan, or its refusal.
    /// - Throws: errors that come before the policy (an unknown model, no usable deployment).
    package func explain(_ request: ChatRequest, principal: Principal) throws(GatewayError) -> Explanation {
        let candidates = try deployments(for: request.model)
        guard let policy else { throw .internalError("The policy configuration is invalid; no request is routed.") }
        let plan: Plan
        do {
            plan = try policy.plan(request: request, principal: principal, candidates: candidates.map(\.card))
        } catch {
            return .refused(error)
        }
        // Allowed cards, in the plan's order; a card may stand for several identical deployments.
        var allowed: [(deployment: Deployment, card: ModelCard)] = []
        for card in plan.candidates {
            for route in candidates where route.card == card && !allowed.contains(where: { $0.deployment.id == route.deployment.id }) {
                allowed.append(route)
            }
        }
        return .planned(plan, routes: allowed)
    }

    /// Until keys exist every caller is the same local principal, at `policy.default_tier`.
    package static let anonymous = Principal(app: "default", team: "default")

    /// Answers in one piece: plan, admit (rate limits, budget reservation), run, restore, then
    /// settle the true cost and append the audit record before the answer goes out.
    package func complete(
        _ request: ChatRequest, principal: Principal = Gateway.anonymous, requestID: String = "", decision: DecisionNote? = nil, logger: Logger
    ) async throws -> CandidateRunner.Success<ChatResponse> {
        let planned = try await prepare(request, principal: principal, requestID: requestID, note: decision)
        return try await run(planned, logger: logger) { deployment, card in
            var upstream = planned.plan.request(for: card)
            upstream.model = deployment.config.model
            upstream.stream = false
            let response = try await deployment.provider.complete(upstream)
            return planned.plan.needsRestoration(for: card) ? planned.plan.restore(response) : response
        } settle: { success, finish in
            await finish(success.value.usage, success.value.choices.first?.message.text, 200)
        }
    }

    /// Starts a stream. Returns once a deployment has produced its first output, so that a stream
    /// that fails before its first token falls back to the next deployment; after that, errors
    /// reach the consumer. Accounting happens when the stream ends.
    package func stream(
        _ request: ChatRequest, principal: Principal = Gateway.anonymous, requestID: String = "", decision: DecisionNote? = nil, logger: Logger
    ) async throws -> CandidateRunner.Success<ChatStream> {
        let planned = try await prepare(request, principal: principal, requestID: requestID, note: decision)
        return try await run(planned, logger: logger) { deployment, card in
            var upstream = planned.plan.request(for: card)
            upstream.model = deployment.config.model
            upstream.stream = true
            let restorer = planned.plan.needsRestoration(for: card) ? planned.plan.makeStreamRestorer() : nil
            return try await ChatStream.start(deployment.provider.stream(upstream), restorer: restorer)
        } settle: { success, finish in
            success.value = success.value.onEnd { usage, text, error in
                await finish(usage, text, error == nil ? 200 : 502)
            }
        }
    }

    /// A request the policy has planned and the accountant admitted.
    struct Planned: Sendable {
        let plan: Plan
        let routes: [(deployment: Deployment, card: ModelCard)]
        let ticket: Accountant.Ticket?
        /// For metrics and traces: the alias asked for, the caller's app, when the request was planned.
        let model: String
        let app: String
        let started: ContinuousClock.Instant
        /// The request's root span, ended when the request is finished.
        let span: TraceSpan?
        /// `chat` or `embeddings` (span names).
        let operation: String

        func card(of deployment: Deployment) -> ModelCard? {
            routes.first { $0.deployment.id == deployment.id }?.card
        }
    }

    /// Settles and audits a request that succeeded: usage, answer text, status.
    typealias Finish = @Sendable (_ usage: Usage?, _ answer: String?, _ status: Int) async -> Void

    /// Runs `operation` over the planned deployments (each with its card), stamps the policy
    /// header, and does the accounting: `settle` decides when a success is finished (at once, or
    /// when a stream ends); a failure is finished here.
    private func run<Value>(
        _ planned: Planned, logger: Logger,
        _ operation: (Deployment, ModelCard) async throws -> Value,
        settle: (inout CandidateRunner.Success<Value>, _ finish: @escaping Finish) async -> Void
    ) async throws -> CandidateRunner.Success<Value> {
        do {
            var success = try await runner.run(planned.routes.map(\.deployment), logger: logger) { deployment in
                // Every routed deployment has its card (`plan(_:principal:)` pairs them).
                guard let card = planned.card(of: deployment) else { throw ProviderError.unsupported("no registry card") }
                return try await traced("\(planned.operation) \(deployment.config.model)", kind: .client, parent: planned.span) { span in
                    span?.set("gen_ai.system", config.provider(named: deployment.config.provider)?.kind.rawValue)
                    span?.set("gen_ai.request.model", deployment.config.model)
                    span?.set("ajar.deployment", deployment.id)
                    span?.set("ajar.hosting", card.hosting.rawValue)
                    return try await operation(deployment, card)
                }
            }
            success.policy = planned.plan.trace.headerValue(chosen: success.deployment.id)
            let served = (card: planned.card(of: success.deployment), deployment: success.deployment, attempts: success.attempts)
            let decision = success.policy
            await settle(&success) { usage, answer, status in
                await self.finished(planned, status: status, usage: usage, served: served, decision: decision, answer: answer)
            }
            return success
        } catch {
            await finished(planned, status: Self.status(of: error), error: error)
            throw error
        }
    }

    /// Everything a request's end does, answered or failed: metrics, the accounting record, and
    /// the end of its root span.
    private func finished(
        _ planned: Planned, status: Int, usage: Usage? = nil,
        served: (card: ModelCard?, deployment: Deployment, attempts: [Attempt])? = nil, decision: String? = nil,
        answer: String? = nil, error: (any Error)? = nil
    ) async {
        metrics.request(
            model: planned.model, card: served?.card, app: planned.app, status: status, duration: .now - planned.started,
            usage: usage, attempts: served?.attempts ?? [], plan: planned.plan)
        if let accountant, let ticket = planned.ticket {
            let span = tracer?.startSpan("ajar.accounting", parent: planned.span)
            await accountant.finish(
                .init(ticket: ticket, status: status, usage: usage, served: served?.card, deployment: served?.deployment.id,
                      attempts: served?.attempts.map(\.deployment) ?? [], plan: planned.plan, decision: decision, answer: answer))
            span?.end()
        }
        guard let span = planned.span else { return }
        if let served {
            span.set("gen_ai.response.model", served.deployment.config.model)
            span.set("ajar.deployment", served.deployment.id)
        }
        span.set("gen_ai.usage.input_tokens", usage?.promptTokens)
        span.set("gen_ai.usage.output_tokens", usage?.completionTokens)
        span.set("ajar.policy", decision)
        span.set("http.response.status_code", status)
        span.end(status: error.map { .error(String(describing: $0)) } ?? (status < 400 ? .ok : .error("HTTP \(status)")))
    }

    /// Runs `body` in a child span of `parent` (none when tracing is off), ended with an error
    /// status if `body` throws.
    private func traced<T, E: Error>(
        _ name: String, kind: TraceSpan.Kind = .internal, parent: TraceSpan?, _ body: (TraceSpan?) async throws(E) -> T
    ) async throws(E) -> T {
        let span = tracer?.startSpan(name, kind: kind, parent: parent)
        do {
            let value = try await body(span)
            span?.end()
            return value
        } catch {
            span?.end(status: .error((error as? GatewayError)?.message ?? String(describing: error)))
            throw error
        }
    }

    /// Plans the request and admits it; a refusal at either step is audited.
    func prepare(
        _ request: ChatRequest, principal: Principal, requestID: String, note: DecisionNote?, operation: String = "chat"
    ) async throws(GatewayError) -> Planned {
        let span = tracer?.startSpan("\(operation) \(request.model)", kind: .server)
        span?.set("gen_ai.operation.name", operation)
        span?.set("gen_ai.request.model", request.model)
        span?.set("ajar.request_id", requestID)
        span?.set("ajar.app", principal.app)
        do throws(GatewayError) {
            let (plan, routes) = try await traced("ajar.policy", parent: span) { (step) throws(GatewayError) in
                let planned = try self.plan(request, principal: principal, note: note)
                step?.set("ajar.policy.tier", planned.plan.tier)
                step?.set("ajar.policy.data_classes", planned.plan.dataClasses.map(\.rawValue))
                step?.set("ajar.policy.allowed", planned.routes.map(\.deployment.id))
                return planned
            }
            var ticket: Accountant.Ticket?
            if let accountant {
                ticket = try await traced("ajar.admission", parent: span) { (_) throws(GatewayError) in
                    try await accountant.admit(principal, request: request, requestID: requestID, cards: routes.map(\.card))
                }
            }
            return Planned(
                plan: plan, routes: routes, ticket: ticket, model: request.model, app: principal.app, started: .now, span: span,
                operation: operation)
        } catch {
            await accountant?.refused(principal, request: request, requestID: requestID, status: Self.status(of: error), reason: error.message)
            span?.set("http.response.status_code", error.status)
            span?.end(status: .error(error.message))
            throw error
        }
    }

    /// The HTTP status an error becomes, for the usage and audit records.
    static func status(of error: any Error) -> Int {
        switch error {
        case let error as GatewayError: error.status
        case is CancellationError: 499
        default: 502
        }
    }
}

// MARK: - Embeddings

extension Gateway {
    /// Embeds through the alias's deployments that can (OpenAI-compatible, Gemini, local BERT), with
    /// the same policy (texts are scanned; keep-local and block apply, pseudonymised texts are
    /// embedded as the vendor sees them), admission, accounting and audit as chat.
    package func embed(
        _ request: EmbeddingRequest, principal: Principal = Gateway.anonymous, requestID: String = "", decision: DecisionNote? = nil, logger: Logger
    ) async throws -> CandidateRunner.Success<EmbeddingResponse> {
        // The policy reads chat requests: each text is one user message.
        let texts: [String]
        switch request.input {
        case .texts(let values): texts = values
        case .tokens: texts = []
        }
        let chat = ChatRequest(model: request.model, messages: texts.map { ChatMessage(role: .user, text: $0) })
        let planned = try await prepare(chat, principal: principal, requestID: requestID, note: decision, operation: "embeddings")
        return try await run(planned, logger: logger) { deployment, card in
            guard let provider = deployment.provider as? any EmbeddingProvider else {
                throw ProviderError.unsupported("\(deployment.provider.name) does not embed")
            }
            var upstream = request
            upstream.model = deployment.config.model
            if case .texts = request.input {
                upstream.input = .texts(planned.plan.request(for: card).messages.map(\.text))
            }
            return try await provider.embed(upstream)
        } settle: { success, finish in
            await finish(Usage(promptTokens: success.value.promptTokens, completionTokens: 0), nil, 200)
        }
    }
}
