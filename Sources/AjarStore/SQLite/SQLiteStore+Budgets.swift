import Foundation
import GRDB

extension SQLiteStore {
    package func reserve(keyID: String, team: String?, estimateMicros: Int64, at: Date) async throws -> ReserveOutcome {
        guard estimateMicros >= 0 else { throw StoreError.invalidArgument("estimate must not be negative") }
        if let ledger {
            let outcomes = try await admitServing(
                [Admission(keyID: keyID, team: team, estimateMicros: estimateMicros, tokens: 0, limits: RateLimits(), at: at)], ledger: ledger)
            guard case .counted(let outcome)? = outcomes.first else { throw StoreError.database("an unlimited admission was rate-limited") }
            return outcome
        }
        return try await run {
            try await pool.write { db in
                try SQLiteStore.reserve(db, keyID: keyID, team: team, estimateMicros: estimateMicros, at: at)
            }
        }
    }

    package func admit(_ admissions: [Admission]) async throws -> [AdmissionOutcome] {
        guard !admissions.isEmpty else { return [] }
        for admission in admissions where admission.estimateMicros < 0 || admission.tokens < 0 {
            throw StoreError.invalidArgument("estimates and tokens must not be negative")
        }
        if let ledger { return try await admitServing(admissions, ledger: ledger) }
        return try await run {
            try await pool.write { db in
                try admissions.map { admission -> AdmissionOutcome in
                    let decision = try SQLiteStore.admit(
                        db, keyID: admission.keyID, tokens: admission.tokens, limits: admission.limits, at: admission.at)
                    if case .limited(let retryAfter, let limit) = decision { return .limited(retryAfter: retryAfter, limit: limit) }
                    return .counted(
                        try SQLiteStore.reserve(
                            db, keyID: admission.keyID, team: admission.team, estimateMicros: admission.estimateMicros,
                            at: admission.at))
                }
            }
        }
    }

    /// Reserves inside the caller's write transaction, in a savepoint: a refusal by the team's
    /// budget undoes the key's part.
    static func reserve(_ db: Database, keyID: String, team: String?, estimateMicros: Int64, at: Date) throws -> ReserveOutcome {
        let reservationID = UUID().uuidString
        let nowMs = at.millisecondsSince1970
        var outcome = ReserveOutcome.budgetExceeded(scope: "", limitMicros: 0, remainingMicros: 0)
        do {
            try db.inSavepoint {
                guard
                    let keyRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT budget_micros, budget_period FROM keys WHERE id = ?"), arguments: [keyID])
                else { throw StoreError.keyNotFound(keyID) }
                var scopes: [(BudgetScope, Int64)] = []
                if let budget = try KeyColumns.budget(
                    micros: keyRow.decode(forColumn: "budget_micros"),
                    period: keyRow.decode(forColumn: "budget_period"))
                {
                    scopes.append(
                        (
                            BudgetScope(scope: BudgetScope.key(keyID), period: budget.period.key(for: at)),
                            budget.amountMicros
                        ))
                }
                if let team,
                    let teamRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT budget_micros, budget_period FROM teams WHERE name = ?"), arguments: [team]),
                    let budget = try KeyColumns.budget(
                        micros: teamRow.decode(forColumn: "budget_micros"),
                        period: teamRow.decode(forColumn: "budget_period"))
                {
                    scopes.append(
                        (
                            BudgetScope(scope: BudgetScope.team(team), period: budget.period.key(for: at)),
                            budget.amountMicros
                        ))
                }
                for (scope, limit) in scopes {
                    try db.cachedStatement(sql: "INSERT INTO budget_counters (scope, period) VALUES (?, ?) ON CONFLICT DO NOTHING").execute(arguments: [scope.scope, scope.period])
                    // The one statement that decides: it reserves only if the budget still covers it.
                    let updated = try Row.fetchOne(
                        db.cachedStatement(sql: """
                            UPDATE budget_counters SET reserved = reserved + ?
                            WHERE scope = ? AND period = ? AND spent + reserved + ? <= ?
                            RETURNING reserved
                            """),
                        arguments: [estimateMicros, scope.scope, scope.period, estimateMicros, limit])
                    if updated == nil {
                        let state = try Row.fetchOne(
                            db, sql: "SELECT spent, reserved FROM budget_counters WHERE scope = ? AND period = ?",
                            arguments: [scope.scope, scope.period])
                        var used: Int64 = 0
                        if let state {
                            let spent: Int64 = try state.decode(forColumn: "spent")
                            let reserved: Int64 = try state.decode(forColumn: "reserved")
                            used = spent + reserved
                        }
                        throw BudgetRefusal(
                            outcome: .budgetExceeded(
                                scope: scope.scope, limitMicros: limit, remainingMicros: max(0, limit - used)))
                    }
                }
                let keyScope = scopes.first { $0.0.scope.hasPrefix("key:") }?.0
                let teamScope = scopes.first { $0.0.scope.hasPrefix("team:") }?.0
                try db.cachedStatement(
                    sql: """
                        INSERT INTO reservations (id, amount, key_scope, key_period, team_scope, team_period, created_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                        reservationID, estimateMicros, keyScope?.scope, keyScope?.period, teamScope?.scope,
                        teamScope?.period, nowMs,
                    ])
                outcome = .reserved(
                    Reservation(
                        id: reservationID, keyID: keyID, team: team, amountMicros: estimateMicros,
                        scopes: scopes.map(\.0)))
                return .commit
            }
        } catch let refusal as BudgetRefusal {
            return refusal.outcome
        }
        return outcome
    }

    package func settle(_ reservation: Reservation, actualCostMicros: Int64) async throws -> Bool {
        guard actualCostMicros >= 0 else { throw StoreError.invalidArgument("cost must not be negative") }
        if let ledger, ledger.holds(reservation) {
            try await run {
                try await pool.write { db in
                    for scope in reservation.scopes { try SQLiteStore.addSpent(db, scope, costMicros: actualCostMicros) }
                }
            }
            return ledger.settle(reservation, costMicros: actualCostMicros)
        }
        return try await run {
            try await pool.write { db in
                try SQLiteStore.finish(db, reservationID: reservation.id, chargeMicros: actualCostMicros)
            }
        }
    }

    package func releaseReservations(olderThan cutoff: Date) async throws -> Int {
        try await run {
            try await pool.write { db in
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM reservations WHERE created_ms < ?",
                    arguments: [cutoff.millisecondsSince1970])
                var released = 0
                for id in ids {
                    if try SQLiteStore.finish(db, reservationID: id, chargeMicros: 0) { released += 1 }
                }
                return released
            }
        }
    }

    /// Deletes the reservation row and moves its amount out of `reserved`, adding `chargeMicros`
    /// to `spent`. - Returns: `false` if it was already finished.
    static func finish(_ db: Database, reservationID: String, chargeMicros: Int64) throws -> Bool {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "DELETE FROM reservations WHERE id = ? RETURNING amount, key_scope, key_period, team_scope, team_period"),
                arguments: [reservationID])
        else { return false }
        let amount: Int64 = try row.decode(forColumn: "amount")
        for prefix in ["key", "team"] {
            guard let scope: String = try row.decode(forColumn: "\(prefix)_scope"),
                let period: String = try row.decode(forColumn: "\(prefix)_period")
            else { continue }
            try db.cachedStatement(
                sql: """
                    UPDATE budget_counters SET reserved = MAX(reserved - ?, 0), spent = spent + ?
                    WHERE scope = ? AND period = ?
                    """
            ).execute(arguments: [amount, chargeMicros, scope, period])
        }
        return true
    }

    package func budgetStatus(scope: String, at: Date) async throws -> BudgetStatus? {
        await caughtUp()
        return try await run {
            try await pool.read { db -> BudgetStatus? in
                let budgetRow: Row?
                if scope.hasPrefix("key:") {
                    budgetRow = try Row.fetchOne(
                        db, sql: "SELECT budget_micros, budget_period FROM keys WHERE id = ?",
                        arguments: [String(scope.dropFirst(4))])
                } else if scope.hasPrefix("team:") {
                    budgetRow = try Row.fetchOne(
                        db, sql: "SELECT budget_micros, budget_period FROM teams WHERE name = ?",
                        arguments: [String(scope.dropFirst(5))])
                } else {
                    return nil
                }
                guard let budgetRow,
                    let budget = try KeyColumns.budget(
                        micros: budgetRow.decode(forColumn: "budget_micros"),
                        period: budgetRow.decode(forColumn: "budget_period"))
                else { return nil }
                let period = budget.period.key(for: at)
                let counter = try Row.fetchOne(
                    db, sql: "SELECT spent, reserved FROM budget_counters WHERE scope = ? AND period = ?",
                    arguments: [scope, period])
                return BudgetStatus(
                    scope: scope, period: period, limitMicros: budget.amountMicros,
                    spentMicros: try counter?.decode(forColumn: "spent") ?? 0,
                    reservedMicros: try (counter?.decode(forColumn: "reserved") ?? 0)
                        + (ledger?.reserved(BudgetScope(scope: scope, period: period)) ?? 0))
            }
        }
    }

    // MARK: - Rate limits

    package func admit(keyID: String, tokens: Int, limits: RateLimits, at: Date) async throws -> RateLimitDecision {
        guard !limits.isUnlimited else { return .allowed }
        guard tokens >= 0 else { throw StoreError.invalidArgument("tokens must not be negative") }
        if let ledger { return ledger.rate(keyID: keyID, tokens: tokens, limits: limits, at: at) }
        return try await run {
            try await pool.write { db in try SQLiteStore.admit(db, keyID: keyID, tokens: tokens, limits: limits, at: at) }
        }
    }

    /// Counts one request in the key's current window inside the caller's write transaction.
    static func admit(_ db: Database, keyID: String, tokens: Int, limits: RateLimits, at: Date) throws -> RateLimitDecision {
        guard !limits.isUnlimited else { return .allowed }
        let window = RateWindow(nowMs: at.millisecondsSince1970)
        let rpm = Int64(limits.requestsPerMinute ?? Int.max)
        let tpm = Int64(limits.tokensPerMinute ?? Int.max)
        if rpm < 1 { return .limited(retryAfter: window.retryAfter, limit: .requests) }
        if Int64(tokens) > tpm { return .limited(retryAfter: window.retryAfter, limit: .tokens) }
        if Int.random(in: 0..<256) == 0 {
            try db.cachedStatement(sql: "DELETE FROM rate_windows WHERE window_ms < ?").execute(
                arguments: [window.startMs - RateWindow.lengthMs])
        }
        let counted =
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO rate_windows (key_id, window_ms, requests, tokens) VALUES (?, ?, 1, ?)
                        ON CONFLICT (key_id, window_ms) DO UPDATE
                            SET requests = rate_windows.requests + 1, tokens = rate_windows.tokens + excluded.tokens
                            WHERE rate_windows.requests + 1 <= ? AND rate_windows.tokens + excluded.tokens <= ?
                        RETURNING requests, tokens
                        """),
                arguments: [keyID, window.startMs, tokens, rpm, tpm]) != nil
        if counted { return .allowed }
        let current = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT requests FROM rate_windows WHERE key_id = ? AND window_ms = ?"),
            arguments: [keyID, window.startMs])
        return .limited(retryAfter: window.retryAfter, limit: (current ?? 0) + 1 > rpm ? .requests : .tokens)
    }

    package func chargeTokens(keyID: String, tokens: Int, at: Date) async throws {
        guard tokens > 0 else { return }
        if let ledger { return ledger.charge(keyID: keyID, tokens: tokens, at: at) }
        try await run {
            try await pool.write { db in try SQLiteStore.chargeTokens(db, keyID: keyID, tokens: tokens, at: at) }
        }
    }

    static func chargeTokens(_ db: Database, keyID: String, tokens: Int, at: Date) throws {
        guard tokens > 0 else { return }
        try db.cachedStatement(
            sql: """
                INSERT INTO rate_windows (key_id, window_ms, requests, tokens) VALUES (?, ?, 0, ?)
                ON CONFLICT (key_id, window_ms) DO UPDATE SET tokens = rate_windows.tokens + excluded.tokens
                """
        ).execute(arguments: [keyID, RateWindow(nowMs: at.millisecondsSince1970).startMs, tokens])
    }
}
