import Foundation
import Synchronization

/// The budget and rate counters of the one gateway process serving a SQLite database, in memory.
///
/// A SQLite database is served by one `ajar serve` at a time (``SQLiteStore/init(path:durability:serving:logger:)``
/// takes a lock file; several instances use PostgreSQL). That process is then the only one that
/// reserves and spends, so it can decide admissions in memory under one lock — the same check
/// (`spent + reserved + estimate <= limit`, key then team, both or neither) without a write
/// transaction per request:
/// - `reserved` lives only here: reservations die with the process, as they should (the calls
///   they held money for died with it).
/// - `spent` is loaded from `budget_counters` once per scope and period and then kept here; every
///   settlement is also added to the table in the same transaction as the request's audit record.
/// - Rate windows live only here (they restart empty with the process).
/// - Budget limits are read from `keys`/`teams` and kept ``limitLifetime``, so a budget changed by
///   the CLI applies within that time.
final class SQLiteLedger: Sendable {
    static let limitLifetime: Duration = .seconds(1)

    struct Counter: Sendable {
        var spent: Int64
        var reserved: Int64 = 0
    }

    struct Window: Sendable {
        var startMs: Int64
        var requests: Int64 = 0
        var tokens: Int64 = 0
    }

    struct Limit: Sendable {
        var budget: Budget?
        var fetched: ContinuousClock.Instant
    }

    struct State: Sendable {
        var counters: [BudgetScope: Counter] = [:]
        var reservations: [String: Reservation] = [:]
        var windows: [String: Window] = [:]
        /// By scope (`key:ID`, `team:NAME`); a key scope missing from the database is absent.
        var limits: [String: Limit] = [:]

        /// Swaps a held reservation for its cost. - Returns: whether it was held.
        mutating func settle(_ reservation: Reservation, costMicros: Int64) -> Bool {
            guard let held = reservations.removeValue(forKey: reservation.id) else { return false }
            for scope in held.scopes {
                counters[scope, default: Counter(spent: 0)].reserved -= held.amountMicros
                counters[scope, default: Counter(spent: 0)].spent += costMicros
            }
            return true
        }

        /// Adds tokens learnt after the call to the key's current window.
        mutating func charge(keyID: String, tokens: Int, at: Date) {
            guard tokens > 0 else { return }
            let now = RateWindow(nowMs: at.millisecondsSince1970)
            var window = windows[keyID] ?? Window(startMs: now.startMs)
            if window.startMs != now.startMs { window = Window(startMs: now.startMs) }
            window.tokens += Int64(tokens)
            windows[keyID] = window
        }

        /// Counts the admission in its key's window unless that passes a limit.
        mutating func count(_ admission: Admission) -> RateLimitDecision {
            guard !admission.limits.isUnlimited else { return .allowed }
            let now = RateWindow(nowMs: admission.at.millisecondsSince1970)
            let rpm = Int64(admission.limits.requestsPerMinute ?? Int.max)
            let tpm = Int64(admission.limits.tokensPerMinute ?? Int.max)
            var window = windows[admission.keyID] ?? Window(startMs: now.startMs)
            if window.startMs != now.startMs { window = Window(startMs: now.startMs) }
            if window.requests + 1 > rpm { return .limited(retryAfter: now.retryAfter, limit: .requests) }
            if window.tokens + Int64(admission.tokens) > tpm { return .limited(retryAfter: now.retryAfter, limit: .tokens) }
            window.requests += 1
            window.tokens += Int64(admission.tokens)
            windows[admission.keyID] = window
            return .allowed
        }
    }

    let state = Mutex(State())
    /// Reservation ids: unique per process run (a random prefix) without a random draw each.
    private let idPrefix = "res_" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "_"
    private let nextID = Atomic<UInt64>(0)

    /// Counts one request against its key's per-minute limits, as ``GatewayStore/admit(keyID:tokens:limits:at:)``.
    func rate(keyID: String, tokens: Int, limits: RateLimits, at: Date) -> RateLimitDecision {
        state.withLock {
            $0.count(Admission(keyID: keyID, team: nil, estimateMicros: 0, tokens: tokens, limits: limits, at: at))
        }
    }

    /// What ``admit(_:loaded:)`` needs from the database before it can decide: stale or unknown
    /// limits, and `spent` of counters not loaded yet (for the periods containing each admission).
    func missing(_ admissions: [Admission]) -> (scopes: Set<String>, counters: Set<BudgetScope>) {
        let now = ContinuousClock.now
        return state.withLock { state in
            var scopes = Set<String>()
            var counters = Set<BudgetScope>()
            for admission in admissions {
                for scope in [BudgetScope.key(admission.keyID)] + (admission.team.map { [BudgetScope.team($0)] } ?? []) {
                    guard let limit = state.limits[scope], now - limit.fetched < Self.limitLifetime else {
                        scopes.insert(scope)
                        continue
                    }
                    if let budget = limit.budget {
                        let counter = BudgetScope(scope: scope, period: budget.period.key(for: admission.at))
                        if state.counters[counter] == nil { counters.insert(counter) }
                    }
                }
            }
            return (scopes, counters)
        }
    }

    /// Stores what was read: limits by scope (`nil` budget: none; key scopes absent from
    /// `limits` do not exist) and `spent` by counter.
    func load(limits: [String: Budget?], spent: [BudgetScope: Int64]) {
        let now = ContinuousClock.now
        state.withLock { state in
            for (scope, budget) in limits { state.limits[scope] = Limit(budget: budget, fetched: now) }
            for (counter, value) in spent where state.counters[counter] == nil {
                state.counters[counter] = Counter(spent: value)
            }
        }
    }

    /// Forgets a key scope that the database no longer has.
    func forget(scope: String) {
        _ = state.withLock { $0.limits.removeValue(forKey: scope) }
    }

    /// Decides each admission in order, as ``GatewayStore/admit(_:)`` does.
    /// - Returns: `nil` for an admission whose limits are stale or whose counters are not loaded
    ///   (call ``missing(_:)`` and ``load(limits:spent:)``, then again), or whose key does not
    ///   exist; such an admission changes nothing.
    func admit(_ admissions: [Admission]) -> [AdmissionOutcome?] {
        let now = ContinuousClock.now
        return state.withLock { state in
            admissions.map { admission -> AdmissionOutcome? in
                let keyScope = BudgetScope.key(admission.keyID)
                guard let keyLimit = state.limits[keyScope], now - keyLimit.fetched < Self.limitLifetime else { return nil }
                var scopes: [(BudgetScope, Int64)] = []
                if let budget = keyLimit.budget {
                    scopes.append((BudgetScope(scope: keyScope, period: budget.period.key(for: admission.at)), budget.amountMicros))
                }
                if let team = admission.team {
                    guard let teamLimit = state.limits[BudgetScope.team(team)], now - teamLimit.fetched < Self.limitLifetime else { return nil }
                    if let budget = teamLimit.budget {
                        scopes.append(
                            (BudgetScope(scope: BudgetScope.team(team), period: budget.period.key(for: admission.at)), budget.amountMicros))
                    }
                }
                guard scopes.allSatisfy({ state.counters[$0.0] != nil }) else { return nil }
                // Rate limits first, as the database path does: a request over a limit is not counted.
                if case .limited(let retryAfter, let limit) = state.count(admission) {
                    return .limited(retryAfter: retryAfter, limit: limit)
                }
                // Then the budgets: all scopes or none.
                for (scope, limit) in scopes {
                    let counter = state.counters[scope] ?? Counter(spent: 0)
                    if counter.spent + counter.reserved + admission.estimateMicros > limit {
                        return .counted(
                            .budgetExceeded(
                                scope: scope.scope, limitMicros: limit,
                                remainingMicros: max(0, limit - counter.spent - counter.reserved)))
                    }
                }
                for (scope, _) in scopes { state.counters[scope, default: Counter(spent: 0)].reserved += admission.estimateMicros }
                let reservation = Reservation(
                    id: idPrefix + String(nextID.wrappingAdd(1, ordering: .relaxed).newValue, radix: 36), keyID: admission.keyID, team: admission.team, amountMicros: admission.estimateMicros,
                    scopes: scopes.map(\.0))
                state.reservations[reservation.id] = reservation
                return .counted(.reserved(reservation))
            }
        }
    }

    /// For each reservation, whether it is held here and not settled yet — a reservation that
    /// comes twice counts once (a settlement is charged once) — under one lock.
    func holding(_ reservations: [Reservation?]) -> [Bool] {
        let alone = reservations.count == 1  // then no set is needed (the usual case)
        return state.withLock { state in
            var seen = Set<String>()
            return reservations.map { reservation in
                guard let reservation, state.reservations[reservation.id] != nil else { return false }
                return alone || seen.insert(reservation.id).inserted
            }
        }
    }

    /// Settles the records' reservations with their costs and counts the tokens they learnt
    /// (``settle(_:costMicros:)`` and ``charge(keyID:tokens:at:)`` for each), under one lock.
    func finish(_ records: [RequestRecord]) {
        state.withLock { state in
            for record in records {
                if let (reservation, cost) = record.settlement { _ = state.settle(reservation, costMicros: cost) }
                if let charge = record.tokenCharge { state.charge(keyID: charge.keyID, tokens: charge.tokens, at: charge.at) }
            }
        }
    }

    /// Whether the reservation is held here and not settled yet.
    func holds(_ reservation: Reservation) -> Bool {
        state.withLock { $0.reservations[reservation.id] != nil }
    }

    /// Swaps the reservation for its true cost (after that cost is committed to the database).
    /// - Returns: whether it was held (a second settle does nothing).
    @discardableResult
    func settle(_ reservation: Reservation, costMicros: Int64) -> Bool {
        state.withLock { $0.settle(reservation, costMicros: costMicros) }
    }

    /// Adds tokens learnt after a call to the key's current window.
    func charge(keyID: String, tokens: Int, at: Date) {
        state.withLock { $0.charge(keyID: keyID, tokens: tokens, at: at) }
    }

    /// The reserved amount held here for a counter.
    func reserved(_ counter: BudgetScope) -> Int64 {
        state.withLock { $0.counters[counter]?.reserved ?? 0 }
    }
}
