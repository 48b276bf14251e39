import Foundation

/// Money set aside for one call by ``GatewayStore/reserve(keyID:team:estimateMicros:at:)``; hand it
/// back to ``GatewayStore/settle(_:actualCostMicros:)`` exactly once (a second settle is a no-op).
package struct Reservation: Sendable, Hashable {
    /// Unique id of this reservation (a row in the store until settled).
    package var id: String
    package var keyID: String
    package var team: String?
    /// The estimate set aside, micro-USD.
    package var amountMicros: Int64
    /// The budget counters charged: one per scope that has a budget (key, team), each with the
    /// period it was reserved in. Settling charges the same periods, even after a rollover.
    package var scopes: [BudgetScope]

    package init(id: String, keyID: String, team: String?, amountMicros: Int64, scopes: [BudgetScope]) {
        self.id = id
        self.keyID = keyID
        self.team = team
        self.amountMicros = amountMicros
        self.scopes = scopes
    }
}

/// One budget counter: a scope (`key:<id>` or `team:<name>`) in one period (`2026-12`, `2026-12-02`).
package struct BudgetScope: Sendable, Hashable {
    package var scope: String
    package var period: String

    package init(scope: String, period: String) {
        self.scope = scope
        self.period = period
    }

    package static func key(_ id: String) -> String { "key:\(id)" }
    package static func team(_ name: String) -> String { "team:\(name)" }
}

/// The answer of ``GatewayStore/reserve(keyID:team:estimateMicros:at:)``.
package enum ReserveOutcome: Sendable, Hashable {
    case reserved(Reservation)
    /// Nothing was reserved: this scope's budget cannot cover the estimate. `remainingMicros` is
    /// what is left in the period (limit − spent − reserved, at least 0).
    case budgetExceeded(scope: String, limitMicros: Int64, remainingMicros: Int64)
}

/// A budget counter's state, for dashboards and tests.
package struct BudgetStatus: Sendable, Hashable {
    package var scope: String
    package var period: String
    package var limitMicros: Int64?
    package var spentMicros: Int64
    package var reservedMicros: Int64

    package init(scope: String, period: String, limitMicros: Int64?, spentMicros: Int64, reservedMicros: Int64) {
        self.scope = scope
        self.period = period
        self.limitMicros = limitMicros
        self.spentMicros = spentMicros
        self.reservedMicros = reservedMicros
    }
}
