import AjarCore
import AjarPolicy
import AjarStore

/// The whole configuration, decoded from `ajar.yaml` by ``ConfigLoader`` and validated there.
/// Every key, with its default, is documented in the README's configuration section.
package struct AjarConfig: Sendable {
    package var server = ServerConfig()
    /// Providers in the order the file lists them.
    package var providers: [ProviderConfig] = []
    /// Model aliases in the order the file lists them.
    package var models: [ModelConfig] = []
    package var retry = RetryConfig()
    package var circuitBreaker = CircuitBreakerConfig()
    package var logging = LoggingConfig()
    /// OpenTelemetry traces (`tracing: {otlp_endpoint: …}`); off by default.
    package var tracing = TracingConfig()
    /// `policy:` — data classes → actions, risk tiers, custom detectors (``PolicyConfig``).
    package var policy = PolicyConfig()
    /// `storage:` — `{sqlite: PATH}` (default `.ajar/ajar.db`, relative to the config file) or
    /// `{postgres: URL}`.
    package var storage = StorageConfiguration.default
    /// `storage: none`: no store at all — no keys, budgets, usage or audit (for benchmarks that
    /// measure what they cost; refused together with an admin key).
    package var storageDisabled = false
    /// `auth.admin_key` (or `AJAR_ADMIN_KEY`): once set, every request needs a key.
    package var adminKey: Secret?
    /// `accounting.local_compute_price`: USD per compute-second for local models.
    package var localComputePrice = 0.0
    /// The directory of the configuration file: relative model paths are resolved against it.
    package var directory = "."

    package init() {}

    /// A model path from the configuration, resolved against ``directory`` when relative.
    package func resolvePath(_ path: String) -> String {
        path.hasPrefix("/") ? path : (directory == "." ? path : "\(directory)/\(path)")
    }

    /// The storage with a relative SQLite path resolved against ``directory``.
    package var resolvedStorage: StorageConfiguration {
        if case .sqlite(let path, let durability) = storage { return .sqlite(path: resolvePath(path), durability: durability) }
        return storage
    }

    package func provider(named name: String) -> ProviderConfig? {
        providers.first { $0.name == name }
    }
}

/// `server:`
package struct ServerConfig: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    /// Largest request body accepted, in bytes (`max_body`, e.g. `16MiB`); larger bodies get 413.
    package var maxBody = 16 << 20
}

/// One entry of `providers:`.
package struct ProviderConfig: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        case openai, anthropic, gemini
        /// The in-process engine: each deployment's `model` is the path of a GGUF file.
        case local
    }

    package var name: String
    package var kind: Kind
    package var baseURL: String
    /// The resolved key, if the config gives one and its variable is set.
    package var apiKey: Secret?
    /// Why this provider cannot be used (e.g. "OPENAI_API_KEY is not set"), or `nil` if it can.
    package var disabledReason: String?
    /// Seconds for a whole non-streamed answer, or between two stream events.
    package var timeout: Double = 60
    /// Extra headers sent with every request (values may use `${ENV}`).
    package var headers: [(String, String)] = []
    /// Most concurrent connections to this provider's host.
    package var maxConnections = 512
    /// For `local` providers: threads per matrix multiplication (default: the machine's cores).
    package var threads: Int?
    /// For `local` providers: tokens of context allocated per model.
    package var contextLength = 4096
    /// For `local` providers: requests that may wait while one generates; more get 503.
    package var maxQueue = 16
    /// For `openai` providers: which field carries the token limit (`max_tokens` or
    /// `max_completion_tokens`); by default `max_completion_tokens` for api.openai.com only.
    package var maxTokensField: String?
    /// Where the provider runs (`hosting:`): `local` for the in-process engine; `vendor` for
    /// openai/anthropic/gemini providers unless the config says `self-hosted` (an Ollama, vLLM
    /// or llama.cpp server of your own), whatever the address.
    package var hosting: Hosting = .vendor

    package init(name: String, kind: Kind, baseURL: String) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.hosting = kind == .local ? .local : .vendor
    }

    package var isEnabled: Bool { disabledReason == nil }
}

/// One entry of `models:`: an alias and the deployments that can serve it, tried in order.
package struct ModelConfig: Sendable {
    package var alias: String
    package var deployments: [DeploymentConfig]
    /// The registry card's own fields (`openness:`, `context_window:`, `price:`,
    /// `capabilities:`, `provenance:`); provider and hosting come from each deployment.
    package var openness = OpennessRecord()
    package var contextWindow: Int?
    package var pricing: Pricing?
    package var capabilities: Set<Capability> = []
    package var provenance: Provenance?

    package init(alias: String, deployments: [DeploymentConfig]) {
        self.alias = alias
        self.deployments = deployments
    }

    /// The card of one deployment of this alias. For a vendor deployment, what the config leaves
    /// out (price, context window, capabilities) comes from the bundled ``PriceCatalogue``.
    package func card(for deployment: DeploymentConfig, hosting: Hosting, catalogue: PriceCatalogue = .bundled) -> ModelCard {
        var card = ModelCard(
            alias: alias, provider: deployment.provider, hosting: hosting, openness: openness, contextWindow: contextWindow,
            pricing: pricing, capabilities: capabilities, provenance: provenance)
        if hosting == .vendor, let entry = catalogue.entry(for: deployment.model) {
            if card.pricing == nil { card.pricing = entry.price }
            if card.contextWindow == nil { card.contextWindow = entry.contextWindow }
            if card.capabilities.isEmpty { card.capabilities = entry.capabilities }
        }
        return card
    }
}

/// A provider and the model name it knows the alias by.
package struct DeploymentConfig: Sendable, Equatable {
    package var provider: String
    package var model: String

    /// `provider/model`, as the `x-ajar-deployment` header names it.
    package var id: String { "\(provider)/\(model)" }
}

/// `retry:` — how often and how patiently one deployment is retried before the next is tried.
package struct RetryConfig: Sendable {
    /// Attempts per deployment (1 = no retry).
    package var attempts = 2
    /// First backoff in seconds; doubles per retry, with jitter.
    package var initialBackoff = 0.25
    /// Longest backoff in seconds.
    package var maxBackoff = 8.0
    /// The longest `Retry-After` honoured; a longer one moves on to the next deployment at once.
    package var maxRetryAfter = 30.0
}

/// `circuit_breaker:` — per deployment.
package struct CircuitBreakerConfig: Sendable {
    /// Consecutive failures that open the breaker.
    package var failureThreshold = 5
    /// Seconds the breaker stays open before one probe request is let through.
    package var cooldown = 30.0
}

/// `logging:`
package struct LoggingConfig: Sendable {
    package enum Format: String, Sendable { case text, json }
    package var level = "info"
    package var format = Format.text
}
