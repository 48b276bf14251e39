import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("Budgets that cannot be overspent, on both backends")
struct BudgetStoreTests {
    /// 2026-12-02 10:00:00 UTC.
    static let tenOClock = Date(timeIntervalSince1970: 1_796_205_600)

    static func reservation(_ outcome: ReserveOutcome) -> Reservation? {
        if case .reserved(let reservation) = outcome { return reservation }
        return nil
    }

    @Test(
        "reserve holds the estimate, settle swaps it for the true cost, a second settle does nothing",
        arguments: StoreBackend.allCases)
    func reserveAndSettle(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 1_000_000, period: .day)))
            let scope = BudgetScope.key(key.record.id)
            let outcome = try await store.reserve(
                keyID: key.record.id, team: nil, estimateMicros: 300_000, at: Self.tenOClock)
            let reservation = try #require(Self.reservation(outcome))
            #expect(reservation.scopes == [BudgetScope(scope: scope, period: "2026-12-02")])
            var status = try #require(try await store.budgetStatus(scope: scope, at: Self.tenOClock))
            #expect(status.reservedMicros == 300_000)
            #expect(status.spentMicros == 0)
            #expect(status.limitMicros == 1_000_000)

            #expect(try await store.settle(reservation, actualCostMicros: 120_000))
            #expect(try await !store.settle(reservation, actualCostMicros: 120_000))
            status = try #require(try await store.budgetStatus(scope: scope, at: Self.tenOClock))
            #expect(status.reservedMicros == 0)
            #expect(status.spentMicros == 120_000)
        }
    }

    @Test("an estimate the budget cannot cover is refused and nothing is reserved", arguments: StoreBackend.allCases)
    func refusal(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 1_000_000, period: .day)))
            let first = try #require(
                Self.reservation(
                    try await store.reserve(
                        keyID: key.record.id, team: nil, estimateMicros: 700_000, at: Self.tenOClock)))
            let refused = try await store.reserve(
                keyID: key.record.id, team: nil, estimateMicros: 300_001, at: Self.tenOClock)
            #expect(
                refused
                    == .budgetExceeded(
                        scope: BudgetScope.key(key.record.id), limitMicros: 1_000_000, remainingMicros: 300_000))
            // Exactly the remainder fits.
            #expect(
                Self.reservation(
                    try await store.reserve(
                        keyID: key.record.id, team: nil, estimateMicros: 300_000, at: Self.tenOClock)) != nil)
            let status = try #require(
                try await store.budgetStatus(scope: BudgetScope.key(key.record.id), at: Self.tenOClock))
            #expect(status.reservedMicros == 1_000_000)
            _ = first
        }
    }

    @Test(
        "a team budget refuses for every key of the team, and the key's own counter is left untouched",
        arguments: StoreBackend.allCases)
    func teamBudget(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.upsertTeam(TeamRecord(name: "care", budget: Budget(amountMicros: 500_000, period: .month)))
            let one = try await store.createKey(
                NewKey(
                    app: "one", team: "care", tier: "minimal", budget: Budget(amountMicros: 10_000_000, period: .day)))
            let two = try await store.createKey(NewKey(app: "two", team: "care", tier: "minimal"))
            let r1 = try #require(
                Self.reservation(
                    try await store.reserve(
                        keyID: one.record.id, team: "care", estimateMicros: 400_000, at: Self.tenOClock)))
            #expect(r1.scopes.map(\.scope) == ["key:\(one.record.id)", "team:care"])
            #expect(r1.scopes.map(\.period) == ["2026-12-02", "2026-12"])
            let refused = try await store.reserve(
                keyID: one.record.id, team: "care", estimateMicros: 200_000, at: Self.tenOClock)
            #expect(refused == .budgetExceeded(scope: "team:care", limitMicros: 500_000, remainingMicros: 100_000))
            let keyStatus = try #require(
                try await store.budgetStatus(scope: BudgetScope.key(one.record.id), at: Self.tenOClock))
            #expect(keyStatus.reservedMicros == 400_000, "the refused reservation rolled back on the key too")
            #expect(
                try await store.reserve(keyID: two.record.id, team: "care", estimateMicros: 200_000, at: Self.tenOClock)
                    == .budgetExceeded(scope: "team:care", limitMicros: 500_000, remainingMicros: 100_000))
            // Without a team, only the key's budget applies.
            #expect(
                Self.reservation(
                    try await store.reserve(
                        keyID: two.record.id, team: nil, estimateMicros: 200_000, at: Self.tenOClock)) != nil)
            await #expect(throws: StoreError.keyNotFound("key_nope")) {
                try await store.reserve(keyID: "key_nope", team: nil, estimateMicros: 1, at: Self.tenOClock)
            }
            await #expect(throws: StoreError.invalidArgument("estimate must not be negative")) {
                try await store.reserve(keyID: one.record.id, team: nil, estimateMicros: -1, at: Self.tenOClock)
            }
        }
    }

    @Test("budgets start afresh at the next UTC day or month", arguments: StoreBackend.allCases)
    func periodRollover(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let daily = try await store.createKey(
                NewKey(app: "d", tier: "minimal", budget: Budget(amountMicros: 100, period: .day)))
            let monthly = try await store.createKey(
                NewKey(app: "m", tier: "minimal", budget: Budget(amountMicros: 100, period: .month)))
            let lastMinuteOfDay = Date(timeIntervalSince1970: 1_796_255_940)  // 2026-12-02 23:59 UTC
            let nextDay = Date(timeIntervalSince1970: 1_796_256_000)  // 2026-12-03 00:00 UTC
            let nextMonth = Date(timeIntervalSince1970: 1_798_761_600)  // 2027-01-01 00:00 UTC
            for key in [daily, monthly] {
                let r = try #require(
                    Self.reservation(
                        try await store.reserve(
                            keyID: key.record.id, team: nil, estimateMicros: 100, at: lastMinuteOfDay)))
                try await store.settle(r, actualCostMicros: 100)
                #expect(
                    Self.reservation(
                        try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 1, at: lastMinuteOfDay)
                    ) == nil)
            }
            #expect(
                Self.reservation(
                    try await store.reserve(keyID: daily.record.id, team: nil, estimateMicros: 100, at: nextDay)) != nil
            )
            #expect(
                Self.reservation(
                    try await store.reserve(keyID: monthly.record.id, team: nil, estimateMicros: 1, at: nextDay)) == nil
            )
            #expect(
                Self.reservation(
                    try await store.reserve(keyID: monthly.record.id, team: nil, estimateMicros: 100, at: nextMonth))
                    != nil)
        }
    }

    @Test(
        "reservations never settled (a process died) are released, charging nothing", arguments: StoreBackend.shared)
    func releaseStale(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 100, period: .month)))
            let stale = try #require(
                Self.reservation(
                    try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 60, at: Self.tenOClock)))
            let fresh = try #require(
                Self.reservation(
                    try await store.reserve(
                        keyID: key.record.id, team: nil, estimateMicros: 40, at: Self.tenOClock.addingTimeInterval(600))
                ))
            #expect(try await store.releaseReservations(olderThan: Self.tenOClock.addingTimeInterval(300)) == 1)
            let status = try #require(
                try await store.budgetStatus(scope: BudgetScope.key(key.record.id), at: Self.tenOClock))
            #expect(status.reservedMicros == 40)
            #expect(status.spentMicros == 0)
            #expect(try await !store.settle(stale, actualCostMicros: 60))
            #expect(try await store.settle(fresh, actualCostMicros: 40))
        }
    }

    /// 200 requests race for a budget that covers 50 of them.
    static func race(_ stores: [any GatewayStore]) async throws {
        let cost: Int64 = 20_000
        let key = try await stores[0].createKey(
            NewKey(app: "racer", team: "race", tier: "minimal", budget: Budget(amountMicros: 50 * cost, period: .month))
        )
        try await stores[0].upsertTeam(
            TeamRecord(name: "race", budget: Budget(amountMicros: 10_000_000, period: .month)))
        let keyID = key.record.id
        let at = Self.tenOClock
        let succeeded = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                let store = stores[index % stores.count]
                group.addTask {
                    guard
                        case .reserved(let reservation) = try await store.reserve(
                            keyID: keyID, team: "race", estimateMicros: cost, at: at)
                    else { return false }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...3)))
                    try await store.settle(reservation, actualCostMicros: cost)
                    return true
                }
            }
            var count = 0
            for try await success in group where success { count += 1 }
            return count
        }
        #expect(succeeded == 50)
        let status = try #require(try await stores[0].budgetStatus(scope: BudgetScope.key(keyID), at: at))
        #expect(status.spentMicros == 50 * cost)
        #expect(status.spentMicros <= status.limitMicros ?? 0)
        #expect(status.reservedMicros == 0)
        let team = try #require(try await stores[0].budgetStatus(scope: BudgetScope.team("race"), at: at))
        #expect(team.spentMicros == 50 * cost)
    }

    @Test(
        "200 concurrent reserve/settle against a budget for 50: exactly 50 succeed, never overspent",
        arguments: StoreBackend.allCases)
    func concurrentReservations(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in try await Self.race([store]) }
    }

    @Test("the same race across two store instances on one database", arguments: StoreBackend.shared)
    func concurrentReservationsTwoInstances(backend: StoreBackend) async throws {
        try await backend.withTwoStores { first, second in try await Self.race([first, second]) }
    }
}
