import Foundation
import PostgresNIO

extension PostgresStore {
    package func reserve(keyID: String, team: String?, estimateMicros: Int64, at: Date) async throws -> ReserveOutcome {
        guard estimateMicros >= 0 else { throw StoreError.invalidArgument("estimate must not be negative") }
        let reservationID = UUID().uuidString
        let nowMs = at.millisecondsSince1970
        do {
            return try await transaction { connection -> ReserveOutcome in
                // Both budgets in one round trip: the key's, and its team's when a team is given.
                guard
                    let budgets = try await self.first(
                        connection,
                        """
                        SELECT k.budget_micros, k.budget_period, t.budget_micros, t.budget_period
                        FROM keys k LEFT JOIN teams t ON t.name = \(team)
                        WHERE k.id = \(keyID)
                        """, { try $0.decode((Int64?, String?, Int64?, String?).self) })
                else { throw StoreError.keyNotFound(keyID) }
                var scopes: [(BudgetScope, Int64)] = []
                if let budget = try KeyColumns.budget(micros: budgets.0, period: budgets.1) {
                    scopes.append(
                        (
                            BudgetScope(scope: BudgetScope.key(keyID), period: budget.period.key(for: at)),
                            budget.amountMicros
                        ))
                }
                if let team, let budget = try KeyColumns.budget(micros: budgets.2, period: budgets.3) {
                    scopes.append(
                        (
                            BudgetScope(scope: BudgetScope.team(team), period: budget.period.key(for: at)),
                            budget.amountMicros
                        ))
                }
                // Key before team, always: concurrent reservations take the row locks in one order.
                for (scope, limit) in scopes {
                    // The one statement that decides. Under READ COMMITTED a concurrent update of the
                    // same row makes this one wait, then re-check the condition on the new row.
                    let reserve: PostgresQuery = """
                        UPDATE budget_counters SET reserved = reserved + \(estimateMicros)
                        WHERE scope = \(scope.scope) AND period = \(scope.period)
                          AND spent + reserved + \(estimateMicros) <= \(limit)
                        RETURNING reserved
                        """
                    if try await self.first(connection, reserve, { try $0.decode(Int64.self) }) != nil { continue }
                    // No row updated: the period's counter does not exist yet (or another transaction is
                    // creating it: then this INSERT waits for it and does nothing), or the budget is spent.
                    // Either way, once the row surely exists the same conditional UPDATE decides.
                    try await connection.query(
                        """
                        INSERT INTO budget_counters (scope, period) VALUES (\(scope.scope), \(scope.period))
                        ON CONFLICT DO NOTHING
                        """, logger: self.logger)
                    if try await self.first(connection, reserve, { try $0.decode(Int64.self) }) != nil { continue }
                    let used =
                        try await self.first(
                            connection,
                            "SELECT spent + reserved FROM budget_counters WHERE scope = \(scope.scope) AND period = \(scope.period)",
                            { try $0.decode(Int64.self) }) ?? 0
                    throw BudgetRefusal(
                        outcome: .budgetExceeded(
                            scope: scope.scope, limitMicros: limit, remainingMicros: max(0, limit - used)))
                }
                let keyScope = scopes.first { $0.0.scope.hasPrefix("key:") }?.0
                let teamScope = scopes.first { $0.0.scope.hasPrefix("team:") }?.0
                try await connection.query(
                    """
                    INSERT INTO reservations (id, amount, key_scope, key_period, team_scope, team_period, created_ms)
                    VALUES (\(reservationID), \(estimateMicros), \(keyScope?.scope), \(keyScope?.period),
                            \(teamScope?.scope), \(teamScope?.period), \(nowMs))
                    """, logger: self.logger)
                return .reserved(
                    Reservation(
                        id: reservationID, keyID: keyID, team: team, amountMicros: estimateMicros,
                        scopes: scopes.map(\.0)))
            }
        } catch let refusal as BudgetRefusal {
            return refusal.outcome
        }
    }

    package func settle(_ reservation: Reservation, actualCostMicros: Int64) async throws -> Bool {
        guard actualCostMicros >= 0 else { throw StoreError.invalidArgument("cost must not be negative") }
        return try await transaction { connection in
            try await self.finish(connection, reservationID: reservation.id, chargeMicros: actualCostMicros)
        }
    }

    package func releaseReservations(olderThan cutoff: Date) async throws -> Int {
        let ids = try await withConnection { connection in
            try await self.all(
                connection, "SELECT id FROM reservations WHERE created_ms < \(cutoff.millisecondsSince1970)",
                { try $0.decode(String.self) })
        }
        // One transaction each, so this never holds several counters' locks at once.
        var released = 0
        for id in ids {
            let done = try await transaction { connection in
                try await self.finish(connection, reservationID: id, chargeMicros: 0)
            }
            if done { released += 1 }
        }
        return released
    }

    /// Deletes the reservation row and moves its amount out of `reserved`, adding `chargeMicros`
    /// to `spent`. - Returns: `false` if it was already finished.
    func finish(_ connection: PostgresConnection, reservationID: String, chargeMicros: Int64) async throws
        -> Bool
    {
        guard
            let row = try await first(
                connection,
                """
                DELETE FROM reservations WHERE id = \(reservationID)
                RETURNING amount, key_scope, key_period, team_scope, team_period
                """, { try $0.decode((Int64, String?, String?, String?, String?).self) })
        else { return false }
        for case (let scope?, let period?) in [(row.1, row.2), (row.3, row.4)] {
            try await connection.query(
                """
                UPDATE budget_counters SET reserved = GREATEST(reserved - \(row.0), 0), spent = spent + \(chargeMicros)
                WHERE scope = \(scope) AND period = \(period)
                """, logger: logger)
        }
        return true
    }

    package func budgetStatus(scope: String, at: Date) async throws -> BudgetStatus? {
        try await withConnection { connection -> BudgetStatus? in
            let budgetRow: (Int64?, String?)?
            if scope.hasPrefix("key:") {
                budgetRow = try await self.first(
                    connection,
                    "SELECT budget_micros, budget_period FROM keys WHERE id = \(String(scope.dropFirst(4)))",
                    { try $0.decode((Int64?, String?).self) })
            } else if scope.hasPrefix("team:") {
                budgetRow = try await self.first(
                    connection,
                    "SELECT budget_micros, budget_period FROM teams WHERE name = \(String(scope.dropFirst(5)))",
                    { try $0.decode((Int64?, String?).self) })
            } else {
                return nil
            }
            guard let budgetRow, let budget = try KeyColumns.budget(micros: budgetRow.0, period: budgetRow.1) else {
                return nil
            }
            let period = budget.period.key(for: at)
            let counter = try await self.first(
                connection, "SELECT spent, reserved FROM budget_counters WHERE scope = \(scope) AND period = \(period)",
                { try $0.decode((Int64, Int64).self) })
            return BudgetStatus(
                scope: scope, period: period, limitMicros: budget.amountMicros, spentMicros: counter?.0 ?? 0,
                reservedMicros: counter?.1 ?? 0)
        }
    }

    /// One after another, each in its own transaction: a transaction holding several keys'
    /// counters could deadlock with another instance's taking them in another order.
    package func admit(_ admissions: [Admission]) async throws -> [AdmissionOutcome] {
        for admission in admissions where admission.estimateMicros < 0 || admission.tokens < 0 {
            throw StoreError.invalidArgument("estimates and tokens must not be negative")
        }
        var outcomes: [AdmissionOutcome] = []
        for admission in admissions {
            let decision = try await admit(keyID: admission.keyID, tokens: admission.tokens, limits: admission.limits, at: admission.at)
            if case .limited(let retryAfter, let limit) = decision {
                outcomes.append(.limited(retryAfter: retryAfter, limit: limit))
                continue
            }
            outcomes.append(
                .counted(try await reserve(keyID: admission.keyID, team: admission.team, estimateMicros: admission.estimateMicros, at: admission.at)))
        }
        return outcomes
    }

    // MARK: - Rate limits

    package func admit(keyID: String, tokens: Int, limits: RateLimits, at: Date) async throws -> RateLimitDecision {
        guard !limits.isUnlimited else { return .allowed }
        guard tokens >= 0 else { throw StoreError.invalidArgument("tokens must not be negative") }
        let window = RateWindow(nowMs: at.millisecondsSince1970)
        let rpm = Int64(limits.requestsPerMinute ?? Int.max)
        let tpm = Int64(limits.tokensPerMinute ?? Int.max)
        if rpm < 1 { return .limited(retryAfter: window.retryAfter, limit: .requests) }
        if Int64(tokens) > tpm { return .limited(retryAfter: window.retryAfter, limit: .tokens) }
        let tokenCount = Int64(tokens)
        let cleanup = Int.random(in: 0..<64) == 0
        let oldWindows = window.startMs - RateWindow.lengthMs
        let requests = try await withConnection { connection -> Int64? in
            if cleanup {
                try await connection.query(
                    "DELETE FROM rate_windows WHERE window_ms < \(oldWindows)", logger: self.logger)
            }
            // One autocommitted statement counts the request, or does nothing if it is over a limit.
            let counted = try await self.first(
                connection,
                """
                INSERT INTO rate_windows (key_id, window_ms, requests, tokens) VALUES (\(keyID), \(window.startMs), 1, \(tokenCount))
                ON CONFLICT (key_id, window_ms) DO UPDATE
                    SET requests = rate_windows.requests + 1, tokens = rate_windows.tokens + EXCLUDED.tokens
                    WHERE rate_windows.requests + 1 <= \(rpm) AND rate_windows.tokens + EXCLUDED.tokens <= \(tpm)
                RETURNING requests
                """, { try $0.decode(Int64.self) })
            if counted != nil { return nil }
            return try await self.first(
                connection,
                "SELECT requests FROM rate_windows WHERE key_id = \(keyID) AND window_ms = \(window.startMs)",
                { try $0.decode(Int64.self) }) ?? 0
        }
        guard let requests else { return .allowed }
        return .limited(retryAfter: window.retryAfter, limit: requests + 1 > rpm ? .requests : .tokens)
    }

    package func chargeTokens(keyID: String, tokens: Int, at: Date) async throws {
        guard tokens > 0 else { return }
        try await withConnection { connection in
            try await self.chargeTokens(connection, keyID: keyID, tokens: tokens, at: at)
        }
    }

    func chargeTokens(_ connection: PostgresConnection, keyID: String, tokens: Int, at: Date) async throws {
        guard tokens > 0 else { return }
        let window = RateWindow(nowMs: at.millisecondsSince1970)
        let count = Int64(tokens)
        try await connection.query(
            """
            INSERT INTO rate_windows (key_id, window_ms, requests, tokens) VALUES (\(keyID), \(window.startMs), 0, \(count))
            ON CONFLICT (key_id, window_ms) DO UPDATE SET tokens = rate_windows.tokens + EXCLUDED.tokens
            """, logger: logger)
    }
}
