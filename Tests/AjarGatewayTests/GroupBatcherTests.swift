import AjarCore
import AjarStore
import Foundation
import Logging
import Testing

@testable import AjarGateway

@Suite("Group commit")
struct GroupBatcherTests {
    static func record(_ id: String, cost: Int64? = nil, reservation: Reservation? = nil) -> RequestRecord {
        var record = RequestRecord(audit: AuditRecord(kind: .request, time: Date(), requestID: id, app: "a", status: 200, latencyMs: 1))
        if let reservation, let cost { record.settlement = (reservation, cost) }
        return record
    }

    @Test("200 concurrent writers: every record committed once, in one linear chain")
    func concurrent() async throws {
        try await TemporaryStore.with(logger: Logger(label: "test")) { store in
            let committer = GroupBatcher<RequestRecord, AuditEntry>(perform: store.commit)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 { group.addTask { _ = try await committer.submit(Self.record("r\(n)")) } }
                try await group.waitForAll()
            }
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.checked == 200)
            let ids = Set(try await store.exportAudit(from: nil, to: nil).compactMap { line in
                try? JSONParser.parse(line)["record"]?["request_id"]?.stringValue
            })
            #expect(ids == Set((0..<200).map { "r\($0)" }))
        }
    }

    @Test("a bad record fails alone: the others in its group are still committed")
    func badRecordAlone() async throws {
        try await TemporaryStore.with(logger: Logger(label: "test")) { store in
            let key = try await store.createKey(NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 1_000_000, period: .day)))
            guard case .reserved(let reservation) = try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 10, at: Date())
            else { Issue.record("not reserved"); return }
            let committer = GroupBatcher<RequestRecord, AuditEntry>(perform: store.commit)
            let results = await withTaskGroup(of: (Int, Bool).self) { group in
                for n in 0..<50 {
                    group.addTask {
                        do {
                            _ = try await committer.submit(n == 25 ? Self.record("bad", cost: -1, reservation: reservation) : Self.record("r\(n)"))
                            return (n, true)
                        } catch {
                            return (n, false)
                        }
                    }
                }
                var results: [Int: Bool] = [:]
                for await (n, ok) in group { results[n] = ok }
                return results
            }
            #expect(results.filter { !$0.value }.map(\.key) == [25])
            #expect(try await store.verifyAudit().checked == 49)
        }
    }

    @Test("requests cancelled while their records wait (clients gone) still have every record committed")
    func cancelledCallers() async throws {
        try await TemporaryStore.with(logger: Logger(label: "test"), serving: true) { store in
            let committer = GroupBatcher<RequestRecord, AuditEntry>(perform: store.commit)
            // Cancelled at once, so some lead a group on a cancelled task and others are
            // cancelled while their group's transaction runs.
            let failures = await withTaskGroup(of: Int.self) { group in
                for n in 0..<300 {
                    group.addTask {
                        do {
                            _ = try await committer.submit(Self.record("r\(n)"))
                            return 0
                        } catch {
                            return 1
                        }
                    }
                    if n == 150 { group.cancelAll() }
                }
                group.cancelAll()
                return await group.reduce(0, +)
            }
            #expect(failures == 0)
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.checked == 300)
            #expect(committer.statistics.items == 300)
        }
    }

    @Test("a store call interrupted by its leader's cancellation runs again where no client can cancel it")
    func interruptedLeader() async throws {
        // The call observes cancellation as a database access does: it stops and throws.
        let batcher = GroupBatcher<Int, Int>(perform: { items in
            try await Task.sleep(for: .milliseconds(200))
            return items.map { $0 * 2 }
        })
        let leader = Task { try await batcher.submit(21) }
        try await Task.sleep(for: .milliseconds(20))
        leader.cancel()
        #expect(try await leader.value == 42)
        #expect(batcher.statistics.groups == 1)
    }
}
