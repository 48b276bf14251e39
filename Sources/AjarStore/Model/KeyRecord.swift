import Foundation

/// A virtual API key as stored: everything but the secret, which is kept only as a SHA-256 hash.
/// Safe to log, list and show.
package struct KeyRecord: Sendable, Hashable {
    /// Stable identifier (`key_` + 16 base62 characters); survives rotation.
    package var id: String
    /// The first characters of the current secret (`ajar-sk-AbC123`), for display only.
    package var prefix: String
    package var app: String
    package var team: String?
    /// The risk tier's name (AjarPolicy decides what it means).
    package var tier: String
    /// Models (aliases) this key may use; `nil` means every model the tier allows.
    package var allowedModels: [String]?
    package var rateLimits: RateLimits
    package var budget: Budget?
    package var createdAt: Date
    package var rotatedAt: Date?
    package var revokedAt: Date?

    package var isRevoked: Bool { revokedAt != nil }

    package init(
        id: String, prefix: String, app: String, team: String?, tier: String, allowedModels: [String]?,
        rateLimits: RateLimits, budget: Budget?, createdAt: Date, rotatedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.app = app
        self.team = team
        self.tier = tier
        self.allowedModels = allowedModels
        self.rateLimits = rateLimits
        self.budget = budget
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
    }

    /// Whether this key may use `model` (always, when ``allowedModels`` is `nil`).
    package func allows(model: String) -> Bool {
        allowedModels?.contains(model) ?? true
    }
}
