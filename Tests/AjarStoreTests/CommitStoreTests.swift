import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("Group commit of finished requests, on both backends")
struct CommitStoreTests {
    static let time = Date(timeIntervalSince1970: 1_796_205_600)

    static func usage(_ id: String, key: String, cost: Int64) -> UsageRecord {
        UsageRecord(
            time: time, requestID: id, keyID: key, app: "a", team: nil, model: "m", provider: "p", tokensIn: 10,
            tokensOut: 5, tokensCached: 0, costMicros: cost, latencyMs: 3, status: 200)
    }

    static func audit(_ id: String) -> AuditRecord {
        AuditRecord(kind: .request, time: time, requestID: id, app: "a", status: 200, latencyMs: 3)
    }

    @Test("one commit settles, records usage and appends the audit records of many requests, in order", arguments: StoreBackend.allCases)
    func batch(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 10_000_000, period: .day)))
            let id = key.record.id
            var records: [RequestRecord] = []
            for n in 0..<20 {
                guard case .reserved(let reservation) = try await store.reserve(keyID: id, team: nil, estimateMicros: 100_000, at: Self.time)
                else { Issue.record("not reserved"); return }
                records.append(
                    RequestRecord(
                        settlement: (reservation, Int64(n)), tokenCharge: nil, usage: Self.usage("r\(n)", key: id, cost: Int64(n)),
                        audit: Self.audit("r\(n)")))
            }
            let entries = try await store.commit(records)
            #expect(entries.map(\.record.requestID) == (0..<20).map { "r\($0)" })
            #expect(entries.map(\.seq) == Array(1...20))
            #expect(zip(entries.dropFirst(), entries).allSatisfy { $0.prevHash == $1.hash })
            let status = try #require(try await store.budgetStatus(scope: BudgetScope.key(id), at: Self.time))
            #expect(status.reservedMicros == 0)
            #expect(status.spentMicros == (0..<20).reduce(0) { $0 + Int64($1) })
            let usage = try await store.usage(groupBy: .key, from: Self.time, to: Self.time + 1)
            #expect(usage.first?.requests == 20)
            #expect(try await store.verifyAudit().isIntact)
            // A settlement committed again charges nothing more (the record is still appended).
            try await store.commit([RequestRecord(settlement: (records[0].settlement!.reservation, 999_999), audit: Self.audit("again"))])
            #expect(try await store.budgetStatus(scope: BudgetScope.key(id), at: Self.time)?.spentMicros == status.spentMicros)
            #expect(try await store.verifyAudit().checked == 21)
        }
    }

    @Test("a commit with a bad record writes nothing", arguments: StoreBackend.allCases)
    func allOrNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 10_000_000, period: .day)))
            guard case .reserved(let reservation) = try await store.reserve(keyID: key.record.id, team: nil, estimateMicros: 100, at: Self.time)
            else { Issue.record("not reserved"); return }
            await #expect(throws: StoreError.self) {
                try await store.commit([
                    RequestRecord(audit: Self.audit("ok")),
                    RequestRecord(settlement: (reservation, -1), audit: Self.audit("bad")),
                ])
            }
            #expect(try await store.verifyAudit().checked == 0)
            #expect(try await store.budgetStatus(scope: BudgetScope.key(key.record.id), at: Self.time)?.reservedMicros == 100)
        }
    }
}

@Suite("Grouped admissions, on both backends")
struct AdmissionStoreTests {
    @Test("a group of admissions decides as one after another would: reserved, then over budget, then rate-limited", arguments: StoreBackend.allCases)
    func group(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(app: "a", tier: "minimal", rateLimits: RateLimits(requestsPerMinute: 50), budget: Budget(amountMicros: 3_000, period: .day)))
            let admissions = (0..<60).map { _ in
                Admission(
                    keyID: key.record.id, team: nil, estimateMicros: 100, tokens: 10, limits: RateLimits(requestsPerMinute: 50),
                    at: CommitStoreTests.time)
            }
            let outcomes = try await store.admit(admissions)
            #expect(outcomes.count == 60)
            let reserved = outcomes.filter { if case .counted(.reserved) = $0 { true } else { false } }.count
            let overBudget = outcomes.filter { if case .counted(.budgetExceeded) = $0 { true } else { false } }.count
            let limited = outcomes.filter { if case .limited(_, .requests) = $0 { true } else { false } }.count
            #expect(reserved == 30)
            #expect(overBudget == 20)
            #expect(limited == 10)
            // In order: the first 30 reserved, the last 10 limited.
            #expect(outcomes.prefix(30).allSatisfy { if case .counted(.reserved) = $0 { true } else { false } })
            #expect(outcomes.suffix(10).allSatisfy { if case .limited = $0 { true } else { false } })
            let status = try #require(try await store.budgetStatus(scope: BudgetScope.key(key.record.id), at: CommitStoreTests.time))
            #expect(status.reservedMicros == 3_000)
            await #expect(throws: StoreError.self) {
                try await store.admit([
                    Admission(keyID: key.record.id, team: nil, estimateMicros: -1, tokens: 1, limits: RateLimits(), at: CommitStoreTests.time)
                ])
            }
        }
    }
}
