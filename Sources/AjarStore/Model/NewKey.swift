import Foundation
/// What a new key carries: the input to ``GatewayStore/createKey(_:)``.
package struct NewKey: Sendable, Hashable {
    package var app: String
    package var team: String?
    package var tier: String
    package var allowedModels: [String]?
    package var rateLimits: RateLimits
    package var budget: Budget?

    package init(
        app: String, team: String? = nil, tier: String, allowedModels: [String]? = nil,
        rateLimits: RateLimits = RateLimits(), budget: Budget? = nil
    ) {
        self.app = app
        self.team = team
        self.tier = tier
        self.allowedModels = allowedModels
        self.rateLimits = rateLimits
        self.budget = budget
    }

    /// Checks what a database constraint would otherwise report less clearly.
    /// - Throws: ``StoreError/invalidArgument(_:)`` naming the field.
    func validate() throws(StoreError) {
        if app.isEmpty { throw .invalidArgument("app must not be empty") }
        if tier.isEmpty { throw .invalidArgument("tier must not be empty") }
        if let team, team.isEmpty { throw .invalidArgument("team must not be empty when given") }
        if let rpm = rateLimits.requestsPerMinute, rpm < 0 { throw .invalidArgument("rpm must not be negative") }
        if let tpm = rateLimits.tokensPerMinute, tpm < 0 { throw .invalidArgument("tpm must not be negative") }
        if let budget, budget.amountMicros < 0 { throw .invalidArgument("budget must not be negative") }
    }
}

extension NewKey {
    /// The record and secret of a key about to be stored, and the hash the store keeps.
    /// - Throws: what ``validate()`` throws.
    func mint() throws(StoreError) -> (created: CreatedKey, hash: String) {
        try validate()
        let secret = KeySecret.generate()
        let record = KeyRecord(
            id: KeySecret.generateKeyID(), prefix: KeySecret.displayPrefix(of: secret), app: app, team: team, tier: tier,
            allowedModels: allowedModels, rateLimits: rateLimits, budget: budget,
            createdAt: Date(millisecondsSince1970: Date().millisecondsSince1970))
        return (CreatedKey(record: record, secret: secret), KeySecret.hash(secret))
    }
}
