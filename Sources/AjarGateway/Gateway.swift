import AjarCore
import AjarProviders
import Logging

/// The request pipeline: resolves a model alias to its deployments and runs the request through
/// them (``CandidateRunner``). Built once from the configuration; shared by every request.
package final class Gateway: Sendable {
    package let config: AjarConfig
    package let runner: CandidateRunner
    /// Deployments per alias, in the configured order (disabled providers left out).
    private let routes: [String: [Deployment]]
    private let clients: [UpstreamClient]
    /// Local deployments (`provider/path`) whose model file could not be loaded, with the reason.
    package let localFailures: [String: String]

    /// Builds providers for every enabled provider of `config`.
    /// - Parameter extraProviders: providers built elsewhere, by name (the local engine, tests).
    package init(
        config: AjarConfig, extraProviders: [String: any ChatProvider] = [:],
        sleep: (@Sendable (Double) async throws -> Void)? = nil
    ) {
        self.config = config
        var providers = extraProviders
        var clients: [UpstreamClient] = []
        var localFailures: [String: String] = [:]
        for provider in config.providers where provider.isEnabled && providers[provider.name] == nil {
            if provider.kind == .local {
                let paths = config.models.flatMap { $0.deployments }.filter { $0.provider == provider.name }.map(\.model)
                let local = LocalModelProvider(config: provider, models: paths, resolve: config.resolvePath)
                for (model, reason) in local.failures { localFailures["\(provider.name)/\(model)"] = reason }
                providers[provider.name] = local
                continue
            }
            let client = UpstreamClient(timeout: provider.timeout, maxConnectionsPerHost: provider.maxConnections)
            clients.append(client)
            providers[provider.name] = Self.makeRemoteProvider(provider, client: client)
        }
        var routes: [String: [Deployment]] = [:]
        for model in config.models {
            routes[model.alias] = model.deployments.compactMap { deployment in
                guard localFailures[deployment.id] == nil else { return nil }
                return providers[deployment.provider].map { Deployment(provider: $0, config: deployment) }
            }
        }
        self.routes = routes
        self.localFailures = localFailures
        self.clients = clients
        let breakers = CircuitBreakers(config: config.circuitBreaker)
        if let sleep {
            self.runner = CandidateRunner(retry: config.retry, breakers: breakers, sleep: sleep)
        } else {
            self.runner = CandidateRunner(retry: config.retry, breakers: breakers)
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
    }

    /// Providers that cannot be used, with the reason, for the start-up log line.
    package var disabledProviders: [(name: String, reason: String)] {
        config.providers.compactMap { provider in provider.disabledReason.map { (provider.name, $0) } }
    }

    /// The aliases clients may ask for, in configured order, with whether any deployment is usable.
    package var models: [(alias: String, isAvailable: Bool)] {
        config.models.map { ($0.alias, !(routes[$0.alias] ?? []).isEmpty) }
    }

    private func deployments(for alias: String) throws(GatewayError) -> [Deployment] {
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

    /// Answers in one piece.
    package func complete(_ request: ChatRequest, logger: Logger) async throws -> CandidateRunner.Success<ChatResponse> {
        let deployments = try deployments(for: request.model)
        return try await runner.run(deployments, logger: logger) { deployment in
            var upstream = request
            upstream.model = deployment.config.model
            upstream.stream = false
            return try await deployment.provider.complete(upstream)
        }
    }

    /// Starts a stream. Returns once a deployment has produced its first output, so that a stream
    /// that fails before its first token falls back to the next deployment; after that, errors
    /// reach the consumer.
    package func stream(_ request: ChatRequest, logger: Logger) async throws -> CandidateRunner.Success<ChatStream> {
        let deployments = try deployments(for: request.model)
        return try await runner.run(deployments, logger: logger) { deployment in
            var upstream = request
            upstream.model = deployment.config.model
            upstream.stream = true
            return try await ChatStream.start(deployment.provider.stream(upstream))
        }
    }
}
