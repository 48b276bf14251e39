import AjarCore
import Foundation
import Logging
import Testing

@testable import AjarStore

/// The serving process's journal: records acknowledged before they are in the database are
/// applied behind, seen by every later query, and applied on the next start if the process died.
@Suite("SQLite: the records journal")
struct RecordJournalTests {
    static let logger = Logger(label: "ajar.store.tests")
    static let time = Date(timeIntervalSince1970: 1_796_205_600)

    static func request(_ id: String, keyID: String? = nil, settlement: (Reservation, Int64)? = nil, cost: Int64 = 7) -> RequestRecord {
        var record = RequestRecord(
            settlement: settlement,
            audit: AuditRecord(
                kind: .request, time: time, requestID: id, keyID: keyID, app: "app", team: "cx", tier: "minimal",
                modelRequested: "m", dataClasses: id.hasSuffix("5") ? ["email"] : [], costMicros: cost, status: 200, latencyMs: 3))
        record.usage = UsageRecord(
            time: time, requestID: id, keyID: keyID, app: "app", team: "cx", model: "m", provider: "openai", tokensIn: 10,
            tokensOut: 5, tokensCached: 1, costMicros: cost, latencyMs: 3, status: 200)
        return record
    }

    /// A new empty directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func requestIDs(_ store: SQLiteStore) async throws -> [String] {
        try await store.exportAudit(from: nil, to: nil).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let record = object?["record"] as? [String: Any]
            return record?["request_id"] as? String ?? "?"
        }
    }

    @Test("a frame's records read back as they were written; a frame cut short or damaged ends the journal")
    func frames() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("j").path
        let journal = try RecordJournal(path: path, applied: 41, sync: false)
        let reservation = Reservation(
            id: "res_1", keyID: "k", team: "cx", amountMicros: 90,
            scopes: [BudgetScope(scope: "key:k", period: "2026-12"), BudgetScope(scope: "team:cx", period: "2026-12-03")])
        let first = [Self.request("a1", keyID: "k", settlement: (reservation, 55)), Self.request("a2")]
        let second = [Self.request("b1é✓")]
        #expect(try journal.append(first.map { try PendingRecord($0, held: true, chargesTokens: false) }, waiter: nil))
        #expect(try !journal.append(second.map { try PendingRecord($0, held: false, chargesTokens: false) }, waiter: nil))
        let used = journal.usedBytes
        journal.close()

        let frames = RecordJournal.frames(at: path)
        #expect(frames.map(\.number) == [42, 43])
        #expect(frames.map { $0.records.map(\.requestID) } == [["a1", "a2"], ["b1é✓"]])
        let a1 = try #require(frames.first?.records.first)
        #expect(a1.canonical == first[0].canonical)
        #expect(a1.usage == first[0].usage)
        #expect(a1.timeMs == Self.time.millisecondsSince1970)
        #expect(a1.keyID == "k" && a1.team == "cx" && a1.app == "app" && a1.status == 200 && a1.kind == "request")
        #expect(a1.settlement?.reservationID == "res_1" && a1.settlement?.costMicros == 55 && a1.settlement?.held == true)
        #expect(a1.settlement?.scopes == reservation.scopes)
        #expect(frames.first?.records.last?.settlement == nil)
        #expect(frames.last?.records.first?.settlement == nil)

        // Cut the last frame short: only the first is whole.
        #expect(truncate(path, off_t(used - 3)) == 0)
        #expect(RecordJournal.frames(at: path).map(\.number) == [42])
        // Flip a byte inside the first frame's payload: nothing is whole.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[30] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(RecordJournal.frames(at: path).isEmpty)
    }

    @Test("when the file is full, the frames not yet applied move to a new one, which keeps taking frames")
    func full() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("j").path
        let journal = try RecordJournal(path: path, applied: 0, sync: false, capacity: 4096)
        func append(_ id: String) throws { _ = try journal.append([try PendingRecord(Self.request(id), held: false, chargesTokens: false)], waiter: nil) }
        for n in 0..<6 { try append("a\(n)") }
        // The applier takes and applies the first six; two more wait.
        let taken = try #require(journal.take())
        #expect(taken.map(\.number) == Array(1...6))
        journal.applied(taken)
        try append("b0")
        try append("b1")
        let before = journal.usedBytes
        // Append until the 4 KiB file overflows: only b0, b1 and what follows are carried over.
        var n = 0
        while journal.usedBytes >= before {
            try append("c\(n)")
            n += 1
        }
        let frames = RecordJournal.frames(at: path)
        #expect(frames.first?.records.first?.requestID == "b0")
        #expect(frames.map(\.number) == Array(7...(8 + UInt64(n))))
        #expect(frames.last?.records.first?.requestID == "c\(n - 1)")
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        journal.close()
    }

    @Test("records acknowledged by the serving process are seen by every query made after, and commits chain behind them")
    func readYourWrites() async throws {
        try await TemporaryStore.with(logger: Self.logger, serving: true) { store in
            let key = try await store.createKey(NewKey(app: "app", team: "cx", tier: "minimal", budget: Budget(amountMicros: 10_000_000, period: .month)))
            let id = key.record.id
            let before = try await Self.requestIDs(store).count
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        guard case .reserved(let reservation) = try await store.reserve(keyID: id, team: "cx", estimateMicros: 100, at: Self.time)
                        else { throw StoreError.database("not reserved") }
                        try await store.record([Self.request("r\(n)", keyID: id, settlement: (reservation, 11))])
                    }
                }
                try await group.waitForAll()
            }
            // No sleep: the queries wait for the journal themselves.
            let usage = try await store.usage(groupBy: .key, from: Self.time, to: Self.time.addingTimeInterval(1))
            #expect(usage.map(\.requests) == [200])
            #expect(usage.map(\.costMicros) == [200 * 7])
            let status = try #require(try await store.budgetStatus(scope: BudgetScope.key(id), at: Self.time))
            #expect(status.spentMicros == 200 * 11)
            #expect(status.reservedMicros == 0)
            let entry = try await store.appendAudit(AuditRecord(kind: .admin, time: Self.time, requestID: "after", status: 200, latencyMs: 0))
            #expect(entry.seq == Int64(before + 201))
            let ids = try await Self.requestIDs(store)
            #expect(ids.count == before + 201 && ids.last == "after")
            #expect(Set(ids.dropFirst(before).dropLast()) == Set((0..<200).map { "r\($0)" }))
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test("with durability full, each frame is synced before the record is acknowledged, and applied as usual")
    func fullDurability() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ajar.db").path
        let store = try SQLiteStore(path: path, durability: .full, serving: true, logger: Self.logger)
        for n in 0..<20 { try await store.record([Self.request("full-\(n)")]) }
        // Acknowledged: the frames are in the file (synced), whatever the applier has done yet.
        let journaled = RecordJournal.frames(at: SQLiteStore.journalPath(path)).flatMap { $0.records.map(\.requestID) }
        #expect(journaled == (0..<20).map { "full-\($0)" })
        #expect(try await Self.requestIDs(store) == (0..<20).map { "full-\($0)" })
        #expect(try await store.verifyAudit().isIntact)
        try await store.close()
    }

    @Test("records journaled by a process killed before it applied them are applied by the next opener, once, chained, with what they spent")
    func replay() async throws {
        let (store, directory) = try TemporaryStore.make(logger: Self.logger, serving: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try await store.createKey(NewKey(app: "app", tier: "minimal", budget: Budget(amountMicros: 1_000_000, period: .month)))
        try await store.record([Self.request("applied-1")])
        let idsBefore = try await Self.requestIDs(store)
        #expect(idsBefore.last == "applied-1")
        try await store.close()
        let path = store.path
        let scopes = [BudgetScope(scope: BudgetScope.key(key.record.id), period: BudgetPeriod.month.key(for: Self.time))]
        let reservation = Reservation(id: "res_x", keyID: key.record.id, team: nil, amountMicros: 100, scopes: scopes)

        // A dead server's journal: frames written, never applied (the applier is never started).
        let reader = try SQLiteStore(path: path, logger: Self.logger)
        let applied = try SQLiteStore.journalApplied(reader.pool)
        #expect(applied >= 1)
        try await reader.close()
        let dead = try RecordJournal(path: SQLiteStore.journalPath(path), applied: applied, sync: false)
        _ = try dead.append([try PendingRecord(Self.request("lost-1", keyID: key.record.id, settlement: (reservation, 40)), held: true, chargesTokens: false)], waiter: nil)
        _ = try dead.append([Self.request("lost-2"), Self.request("lost-3")].map { try PendingRecord($0, held: false, chargesTokens: false) }, waiter: nil)
        // Killed mid-write: a third frame cut short.
        _ = try dead.append([try PendingRecord(Self.request("torn"), held: false, chargesTokens: false)], waiter: nil)
        let used = dead.usedBytes
        dead.close()
        #expect(truncate(SQLiteStore.journalPath(path), off_t(used - 5)) == 0)

        // The CLI, opening the database while no one serves it, applies what was acknowledged.
        let cli = try SQLiteStore(path: path, logger: Self.logger)
        #expect(try await Self.requestIDs(cli) == idsBefore + ["lost-1", "lost-2", "lost-3"])
        #expect(try await cli.verifyAudit().isIntact)
        #expect(try await cli.budgetStatus(scope: BudgetScope.key(key.record.id), at: Self.time)?.spentMicros == 40)
        #expect(try await cli.usage(groupBy: .model, from: Self.time, to: Self.time.addingTimeInterval(1)).map(\.requests) == [4])
        try await cli.close()
        #expect((try FileManager.default.attributesOfItem(atPath: SQLiteStore.journalPath(path))[.size] as? NSNumber)?.intValue == 0)

        // A stale journal whose frames are already applied (numbers not past the database's) adds nothing.
        let stale = try RecordJournal(path: SQLiteStore.journalPath(path), applied: applied, sync: false)
        _ = try stale.append([try PendingRecord(Self.request("stale"), held: false, chargesTokens: false)], waiter: nil)
        stale.close()
        let restarted = try SQLiteStore(path: path, serving: true, logger: Self.logger)
        try await restarted.record([Self.request("after-restart")])
        let ids = try await Self.requestIDs(restarted)
        #expect(!ids.contains("stale"))
        #expect(ids.suffix(2) == ["lost-3", "after-restart"])
        #expect(try await restarted.verifyAudit().isIntact)
        try await restarted.close()
    }
}
