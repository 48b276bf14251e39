import AjarCore
import Foundation
import Logging
import Testing

@testable import AjarStore

/// What is particular to the process that serves a SQLite database: it is the only one, its
/// reservations die with it, and what it spent is on disk.
@Suite("SQLite: the serving process")
struct SQLiteServingTests {
    static let logger = Logger(label: "ajar.store.tests")
    static let time = Date(timeIntervalSince1970: 1_796_205_600)

    @Test("a second serving process on the same database is refused with a message that says why; the CLI still opens it")
    func oneServer() async throws {
        try await TemporaryStore.with(logger: Self.logger, serving: true) { store in
            #expect {
                _ = try SQLiteStore(path: store.path, serving: true, logger: Self.logger)
            } throws: { error in
                "\(error)".contains("another `ajar serve`") && "\(error)".contains("postgres")
            }
            let reader = try SQLiteStore(path: store.path, logger: Self.logger)
            #expect(try await reader.listKeys(includeRevoked: true).isEmpty)
            try await reader.close()
        }
    }

    @Test("a killed server's reservations are gone when it restarts, and what it spent is not")
    func restart() async throws {
        let (store, directory) = try TemporaryStore.make(logger: Self.logger, serving: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try await store.createKey(NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 1_000, period: .day)))
        let scope = BudgetScope.key(key.record.id)
        guard case .reserved(let spent) = try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 300, at: Self.time),
            case .reserved = try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 600, at: Self.time)
        else { Issue.record("not reserved"); return }
        try await store.commit([RequestRecord(settlement: (spent, 250), audit: AuditRecord(kind: .request, time: Self.time, requestID: "r", status: 200, latencyMs: 1))])
        #expect(try await store.budgetStatus(scope: scope, at: Self.time).map { ($0.spentMicros, $0.reservedMicros) } ?? (0, 0) == (250, 600))
        // Over budget now: 250 spent + 600 held + 200 > 1000.
        #expect(try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 200, at: Self.time) != .reserved(spent))
        try await store.close()  // the process dies with 600 reserved

        let restarted = try SQLiteStore(path: store.path, serving: true, logger: Self.logger)
        let status = try #require(try await restarted.budgetStatus(scope: scope, at: Self.time))
        #expect(status.spentMicros == 250)
        #expect(status.reservedMicros == 0)
        guard case .reserved = try await restarted.reserve(keyID: key.record.id, team: nil, estimateMicros: 750, at: Self.time) else {
            Issue.record("the remaining 750 should be reservable")
            return
        }
        if case .reserved = try await restarted.reserve(keyID: key.record.id, team: nil, estimateMicros: 1, at: Self.time) {
            Issue.record("the budget is fully held")
        }
        try await restarted.close()
    }

    @Test("a budget changed by another process (the CLI) applies within a second")
    func budgetChange() async throws {
        try await TemporaryStore.with(logger: Self.logger, serving: true) { store in
            try await store.upsertTeam(TeamRecord(name: "cx", budget: Budget(amountMicros: 100, period: .day)))
            let key = try await store.createKey(NewKey(app: "a", team: "cx", tier: "minimal"))
            let first = try await store.reserve(keyID: key.record.id, team: "cx", estimateMicros: 150, at: Self.time)
            #expect(first == .budgetExceeded(scope: BudgetScope.team("cx"), limitMicros: 100, remainingMicros: 100))
            let cli = try SQLiteStore(path: store.path, logger: Self.logger)
            try await cli.upsertTeam(TeamRecord(name: "cx", budget: Budget(amountMicros: 1_000, period: .day)))
            try await cli.close()
            try await Task.sleep(for: .milliseconds(1_100))
            guard case .reserved = try await store.reserve(keyID: key.record.id, team: "cx", estimateMicros: 150, at: Self.time) else {
                Issue.record("the raised team budget should apply")
                return
            }
        }
    }
}
