/// Who is calling: resolved from the bearer key by the server, never from the request body.
package struct Principal: Codable, Sendable, Equatable, Hashable {
    /// The API key's id (never the key itself); `nil` when the gateway runs without keys.
    package var keyID: String?
    /// The application the key belongs to.
    package var app: String
    /// The team that owns the application (budgets roll up to it).
    package var team: String
    /// The application's risk tier name (`unacceptable`, `high`, `limited`, `minimal`, or a
    /// configured one); `nil` means `policy.default_tier`.
    package var tier: String?
    /// Model aliases this key may use; `nil` means any.
    package var allowedModels: [String]?

    package init(keyID: String? = nil, app: String, team: String, tier: String? = nil, allowedModels: [String]? = nil) {
        self.keyID = keyID
        self.app = app
        self.team = team
        self.tier = tier
        self.allowedModels = allowedModels
    }

    /// The team, or `nil` when the key has none (the empty string), as stores record it.
    package var teamName: String? { team.isEmpty ? nil : team }

    /// Whether this principal may use `alias` (ignoring policy, which the engine applies separately).
    package func mayUse(model alias: String) -> Bool {
        allowedModels?.contains(alias) ?? true
    }

    private enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case app, team, tier
        case allowedModels = "allowed_models"
    }
}
