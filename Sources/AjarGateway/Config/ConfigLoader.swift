import AjarCore
import AjarPolicy
import AjarStore
import Foundation
import Yams

/// Reads `ajar.yaml` into ``AjarConfig``: decodes, expands `${ENV}` references, applies defaults
/// and validates, failing with a ``ConfigError`` that names the key path and line.
package enum ConfigLoader {
    /// Loads and validates the file at `path`.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> AjarConfig
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(path: "", line: nil, message: "cannot read the file: \(error.localizedDescription)", file: path)
        }
        do {
            var config = try parse(text, environment: environment)
            config.directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
            return config
        } catch {
            var located = error
            located.file = path
            throw located
        }
    }

    /// Parses and validates configuration text.
    package static func parse(_ text: String, environment: [String: String]) throws(ConfigError) -> AjarConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(path: "", line: yamlErrorLine(error), message: "not valid YAML: \(yamlErrorSummary(error))")
        } catch {
            throw ConfigError(path: "", line: nil, message: "not valid YAML: \(error)")
        }
        let document = YAMLValue(node: root, path: "", environment: environment, fallbackLine: 1)
        let top = try document.mapping(allowed: ["server", "providers", "models", "retry", "circuit_breaker", "logging", "policy", "storage", "auth", "accounting", "tracing"])
        var config = AjarConfig()
        try decodeServer(document.child("server", in: top), into: &config.server)
        for (name, value) in try document.child("providers", in: top).mapping() {
            config.providers.append(try decodeProvider(name: name, value))
        }
        for (alias, value) in try document.child("models", in: top).mapping() {
            config.models.append(try decodeModel(alias: alias, value, providers: config.providers))
        }
        try decodeRetry(document.child("retry", in: top), into: &config.retry)
        try decodeBreaker(document.child("circuit_breaker", in: top), into: &config.circuitBreaker)
        try decodeLogging(document.child("logging", in: top), into: &config.logging)
        try decodeTracing(document.child("tracing", in: top), into: &config.tracing)
        try decodeStorage(document.child("storage", in: top), into: &config)
        let auth = document.child("auth", in: top)
        let authEntries = try auth.mapping(allowed: ["admin_key"])
        var unsetAdmin: [String] = []
        if let key = try auth.child("admin_key", in: authEntries).string(missing: { unsetAdmin.append($0) }), !key.isEmpty, unsetAdmin.isEmpty {
            config.adminKey = Secret(key)
        }
        if config.adminKey == nil, let key = environment["AJAR_ADMIN_KEY"], !key.isEmpty { config.adminKey = Secret(key) }
        if config.storageDisabled, config.adminKey != nil {
            throw document.child("storage", in: top).error("keys need a store: storage: none cannot be used with an admin key")
        }
        let accounting = document.child("accounting", in: top)
        let accountingEntries = try accounting.mapping(allowed: ["local_compute_price"])
        if let price = try accounting.child("local_compute_price", in: accountingEntries).double(in: 0...1000) {
            config.localComputePrice = price
        }
        let policyValue = document.child("policy", in: top)
        if !policyValue.isNull {
            config.policy = try policyValue.decode(PolicyConfig.self)
            do {
                _ = try PolicyEngine(config: config.policy)
            } catch {
                throw ConfigError(path: error.keyPath, line: policyValue.line, message: error.message)
            }
        }
        return config
    }

    // MARK: - Sections

    private static func decodeServer(_ value: YAMLValue, into server: inout ServerConfig) throws(ConfigError) {
        let entries = try value.mapping(allowed: ["host", "port", "max_body"])
        if let host = try value.child("host", in: entries).string() { server.host = host }
        if let port = try value.child("port", in: entries).int(in: 0...65535) { server.port = port }
        if let size = try value.child("max_body", in: entries).byteSize() {
            guard size >= 1024 else { throw value.child("max_body", in: entries).error("must be at least 1KiB") }
            server.maxBody = size
        }
    }

    private static func decodeProvider(name: String, _ value: YAMLValue) throws(ConfigError) -> ProviderConfig {
        let entries = try value.mapping(allowed: [
            "type", "base_url", "api_key", "timeout", "headers", "max_connections", "max_tokens_field", "threads",
            "context_length", "max_queue", "hosting",
        ])
        let typeValue = value.child("type", in: entries)
        let typeName = try typeValue.requiredString()
        guard let kind = ProviderConfig.Kind(rawValue: typeName) else {
            let known = ProviderConfig.Kind.allCases.map(\.rawValue).joined(separator: " | ")
            throw typeValue.error("unknown provider type '\(typeName)'; expected \(known)")
        }
        let urlValue = value.child("base_url", in: entries)
        let baseURL = try urlValue.string() ?? defaultBaseURL(kind)
        if kind != .local {
            guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
            else {
                throw urlValue.error("expected an http:// or https:// URL, got '\(baseURL)'")
            }
        }
        var provider = ProviderConfig(name: name, kind: kind, baseURL: baseURL)
        let hostingValue = value.child("hosting", in: entries)
        if let hosting = try hostingValue.string() {
            guard let parsed = Hosting(rawValue: hosting) else { throw hostingValue.error("expected local, self-hosted or vendor") }
            guard (parsed == .local) == (kind == .local) else {
                throw hostingValue.error(kind == .local ? "a local provider's hosting is local" : "only a local provider is hosted local; use self-hosted")
            }
            provider.hosting = parsed
        }
        if let threads = try value.child("threads", in: entries).int(in: 1...256) { provider.threads = threads }
        if let context = try value.child("context_length", in: entries).int(in: 16...1_048_576) {
            provider.contextLength = context
        }
        if let queue = try value.child("max_queue", in: entries).int(in: 0...100_000) { provider.maxQueue = queue }
        var unset: [String] = []
        if let key = try value.child("api_key", in: entries).string(missing: { unset.append($0) }) {
            if !unset.isEmpty {
                provider.disabledReason = "\(unset.joined(separator: ", ")) is not set"
            } else if key.isEmpty {
                provider.disabledReason = "its api_key is empty"
            } else {
                provider.apiKey = Secret(key)
            }
        }
        if let timeout = try value.child("timeout", in: entries).double(in: 0.1...86_400) { provider.timeout = timeout }
        if let limit = try value.child("max_connections", in: entries).int(in: 1...100_000) {
            provider.maxConnections = limit
        }
        let fieldValue = value.child("max_tokens_field", in: entries)
        if let field = try fieldValue.string() {
            guard ["max_tokens", "max_completion_tokens"].contains(field) else {
                throw fieldValue.error("expected max_tokens or max_completion_tokens")
            }
            provider.maxTokensField = field
        }
        for (header, headerValue) in try value.child("headers", in: entries).mapping() {
            provider.headers.append((header, try headerValue.string() ?? ""))
        }
        return provider
    }

    private static func defaultBaseURL(_ kind: ProviderConfig.Kind) -> String {
        switch kind {
        case .openai: "https://api.openai.com/v1"
        case .anthropic: "https://api.anthropic.com"
        case .gemini: "https://generativelanguage.googleapis.com"
        case .local: "local"
        }
    }

    private static func decodeModel(
        alias: String, _ value: YAMLValue, providers: [ProviderConfig]
    ) throws(ConfigError) -> ModelConfig {
        let entries = try value.mapping(allowed: ["deployments", "openness", "context_window", "price", "capabilities", "provenance"])
        let list = value.child("deployments", in: entries)
        var deployments: [DeploymentConfig] = []
        for item in try list.sequence() {
            let fields = try item.mapping(allowed: ["provider", "model"])
            let providerValue = item.child("provider", in: fields)
            let provider = try providerValue.requiredString()
            guard providers.contains(where: { $0.name == provider }) else {
                let known = providers.map(\.name).joined(separator: ", ")
                throw providerValue.error("no provider named '\(provider)' (configured: \(known.isEmpty ? "none" : known))")
            }
            deployments.append(DeploymentConfig(provider: provider, model: try item.child("model", in: fields).requiredString()))
        }
        guard !deployments.isEmpty else { throw list.error("a model needs at least one deployment") }
        var model = ModelConfig(alias: alias, deployments: deployments)
        let openness = value.child("openness", in: entries)
        if !openness.isNull { model.openness = try openness.decode(OpennessRecord.self) }
        model.contextWindow = try value.child("context_window", in: entries).int(in: 1...100_000_000)
        let price = value.child("price", in: entries)
        if !price.isNull { model.pricing = try price.decode(Pricing.self) }
        let capabilities = value.child("capabilities", in: entries)
        if !capabilities.isNull { model.capabilities = try capabilities.decode(Set<Capability>.self) }
        let provenance = value.child("provenance", in: entries)
        if !provenance.isNull { model.provenance = try provenance.decode(Provenance.self) }
        return model
    }

    private static func decodeStorage(_ value: YAMLValue, into config: inout AjarConfig) throws(ConfigError) {
        if let node = value.node, case .scalar = node {
            guard try value.string() == "none" else { throw value.error("expected {sqlite: PATH}, {postgres: URL} or none") }
            config.storageDisabled = true
            return
        }
        let entries = try value.mapping(allowed: ["sqlite", "postgres"])
        let sqlite = try value.child("sqlite", in: entries).string()
        let postgres = try value.child("postgres", in: entries).string()
        switch (sqlite, postgres) {
        case (.some, .some): throw value.error("give either sqlite or postgres, not both")
        case (.some(let path), nil):
            guard !path.isEmpty else { throw value.child("sqlite", in: entries).error("expected a file path") }
            config.storage = .sqlite(path: path)
        case (nil, .some(let url)):
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw value.child("postgres", in: entries).error("expected a postgres:// URL")
            }
            config.storage = .postgres(url: url)
        case (nil, nil): break
        }
    }

    private static func decodeRetry(_ value: YAMLValue, into retry: inout RetryConfig) throws(ConfigError) {
        let entries = try value.mapping(allowed: ["attempts", "initial_backoff", "max_backoff", "max_retry_after"])
        if let attempts = try value.child("attempts", in: entries).int(in: 1...10) { retry.attempts = attempts }
        if let backoff = try value.child("initial_backoff", in: entries).double(in: 0...60) { retry.initialBackoff = backoff }
        if let backoff = try value.child("max_backoff", in: entries).double(in: 0...600) { retry.maxBackoff = backoff }
        if let limit = try value.child("max_retry_after", in: entries).double(in: 0...3600) { retry.maxRetryAfter = limit }
    }

    private static func decodeBreaker(_ value: YAMLValue, into breaker: inout CircuitBreakerConfig) throws(ConfigError) {
        let entries = try value.mapping(allowed: ["failure_threshold", "cooldown"])
        if let threshold = try value.child("failure_threshold", in: entries).int(in: 1...1000) {
            breaker.failureThreshold = threshold
        }
        if let cooldown = try value.child("cooldown", in: entries).double(in: 0...86_400) { breaker.cooldown = cooldown }
    }

    private static func decodeLogging(_ value: YAMLValue, into logging: inout LoggingConfig) throws(ConfigError) {
        let entries = try value.mapping(allowed: ["level", "format"])
        let levelValue = value.child("level", in: entries)
        if let level = try levelValue.string() {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else { throw levelValue.error("expected one of \(levels.joined(separator: ", "))") }
            logging.level = level
        }
        let formatValue = value.child("format", in: entries)
        if let format = try formatValue.string() {
            guard let parsed = LoggingConfig.Format(rawValue: format) else { throw formatValue.error("expected text or json") }
            logging.format = parsed
        }
    }

    private static func decodeTracing(_ value: YAMLValue, into tracing: inout TracingConfig) throws(ConfigError) {
        let entries = try value.mapping(allowed: ["otlp_endpoint", "service_name", "export_interval"])
        let endpointValue = value.child("otlp_endpoint", in: entries)
        if let endpoint = try endpointValue.string(), !endpoint.isEmpty {
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw endpointValue.error("expected an http(s) URL such as http://127.0.0.1:4318")
            }
            tracing.endpoint = endpoint
        }
        if let name = try value.child("service_name", in: entries).string(), !name.isEmpty { tracing.serviceName = name }
        if let interval = try value.child("export_interval", in: entries).double(in: 0.05...3600) { tracing.exportInterval = interval }
    }

    // MARK: - YAML errors

    // Yams' descriptions quote the offending lines, which may hold a literal key: only the problem
    // and the line are ever shown.
    private static func yamlErrorLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        case .reader(_, let offset, _, let yaml):
            guard let offset else { return nil }
            return yaml.utf8.prefix(offset).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        default:
            return nil
        }
    }

    private static func yamlErrorSummary(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return "duplicate key \(keys)"
        case .reader(let problem, _, _, _):
            return problem
        default:
            return "the document could not be read"
        }
    }
}
