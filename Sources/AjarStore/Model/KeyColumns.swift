import AjarCore
import Foundation

/// A `keys` row as both backends read it, turned into a ``KeyRecord`` in one place.
struct KeyColumns {
    var id: String
    var prefix: String
    var app: String
    var team: String?
    var tier: String
    var allowedModels: String?
    var rpm: Int64?
    var tpm: Int64?
    var budgetMicros: Int64?
    var budgetPeriod: String?
    var createdMs: Int64
    var rotatedMs: Int64?
    var revokedMs: Int64?

    /// The columns every key query selects, in this order.
    static let selectList =
        "id, prefix, app, team, tier, allowed_models, rpm, tpm, budget_micros, budget_period, created_ms, rotated_ms, revoked_ms"

    func record() throws(StoreError) -> KeyRecord {
        KeyRecord(
            id: id, prefix: prefix, app: app, team: team, tier: tier,
            allowedModels: try allowedModels.map { text throws(StoreError) in try KeyColumns.decodeModels(text) },
            rateLimits: RateLimits(requestsPerMinute: rpm.map { Int($0) }, tokensPerMinute: tpm.map { Int($0) }),
            budget: try KeyColumns.budget(micros: budgetMicros, period: budgetPeriod),
            createdAt: Date(millisecondsSince1970: createdMs),
            rotatedAt: rotatedMs.map { Date(millisecondsSince1970: $0) },
            revokedAt: revokedMs.map { Date(millisecondsSince1970: $0) })
    }

    /// A budget from its two nullable columns.
    static func budget(micros: Int64?, period: String?) throws(StoreError) -> Budget? {
        guard let micros else { return nil }
        guard let period, let parsed = BudgetPeriod(rawValue: period) else {
            throw .database("a stored budget has an unknown period")
        }
        return Budget(amountMicros: micros, period: parsed)
    }

    /// Allowed models are stored as a JSON array of strings.
    static func encodeModels(_ models: [String]?) -> String? {
        models.map { JSON.array($0.map(JSON.string)).text }
    }

    static func decodeModels(_ text: String) throws(StoreError) -> [String] {
        guard case .array(let values)? = try? JSONParser.parse(text) else {
            throw .database("a stored list of allowed models is not a JSON array")
        }
        return values.compactMap(\.stringValue)
    }
}

extension KeyColumns {
    /// The key among `candidates` (stored hash, columns) whose hash is `hash`. Every candidate is
    /// compared, so the time taken does not depend on which one matched.
    static func match(_ candidates: [(String, KeyColumns)], hash: String) throws -> KeyRecord? {
        var match: KeyColumns?
        for (storedHash, columns) in candidates where KeySecret.constantTimeEquals(storedHash, hash) {
            match = columns
        }
        return try match?.record()
    }
}
