import AjarCore

/// A deployment ready to call: a configured provider and the model name it knows.
package struct Deployment: Sendable {
    package let provider: any ChatProvider
    package let config: DeploymentConfig

    package init(provider: any ChatProvider, config: DeploymentConfig) {
        self.provider = provider
        self.config = config
    }

    /// `provider/model`.
    package var id: String { config.id }
}

/// What happened on one attempt, for logs, headers and (later) the audit record.
package struct Attempt: Sendable, Equatable {
    package enum Outcome: Sendable, Equatable {
        case success
        case failed(String)
        /// Not tried: its breaker was open.
        case skippedOpenBreaker
        /// Not tried: the provider cannot serve this request.
        case unsupported(String)
    }

    package var deployment: String
    package var outcome: Outcome
}
