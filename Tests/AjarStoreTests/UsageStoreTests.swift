import Foundation
import GRDB
import Testing

@testable import AjarStore

@Suite("Usage and cost, on both backends")
struct UsageStoreTests {
    static let day1 = Date(timeIntervalSince1970: 1_796_205_600)  // 2026-12-02 10:00 UTC
    static let day2 = day1.addingTimeInterval(86_400)

    static func record(
        _ time: Date, key: String?, team: String?, model: String, cost: Int64, status: Int = 200, latency: Int = 100
    )
        -> UsageRecord
    {
        UsageRecord(
            time: time, requestID: UUID().uuidString, keyID: key, app: key.map { "app-\($0)" }, team: team,
            model: model,
            provider: "openai", tokensIn: 100, tokensOut: 20, tokensCached: 10, costMicros: cost, latencyMs: latency,
            status: status)
    }

    @Test("usage sums per key, team, model and day within [from, to)", arguments: StoreBackend.allCases)
    func grouping(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.recordUsage(
                Self.record(Self.day1, key: "k1", team: "care", model: "gpt", cost: 1000, latency: 100))
            try await store.recordUsage(
                Self.record(Self.day1, key: "k1", team: "care", model: "open", cost: 0, status: 502, latency: 301))
            try await store.recordUsage(Self.record(Self.day2, key: "k2", team: nil, model: "gpt", cost: 2500))
            try await store.recordUsage(Self.record(Self.day2, key: nil, team: nil, model: "open", cost: 7))
            // Outside the range.
            try await store.recordUsage(
                Self.record(Self.day2.addingTimeInterval(86_400), key: "k1", team: "care", model: "gpt", cost: 99))
            let from = Self.day1.addingTimeInterval(-3600)
            let to = Self.day2.addingTimeInterval(3600)

            let byKey = try await store.usage(groupBy: .key, from: from, to: to)
            #expect(byKey.map(\.group) == ["k1", "k2", nil])
            #expect(
                byKey[0]
                    == UsageSummary(
                        group: "k1", requests: 2, errors: 1, tokensIn: 200, tokensOut: 40, tokensCached: 20,
                        costMicros: 1000, averageLatencyMs: 201))
            #expect(byKey[1].costMicros == 2500)

            let byTeam = try await store.usage(groupBy: .team, from: from, to: to)
            #expect(byTeam.map(\.group) == ["care", nil])
            #expect(byTeam.map(\.requests) == [2, 2])

            let byModel = try await store.usage(groupBy: .model, from: from, to: to)
            #expect(byModel.map(\.group) == ["gpt", "open"])
            #expect(byModel.map(\.costMicros) == [3500, 7])

            let byDay = try await store.usage(groupBy: .day, from: from, to: to)
            #expect(byDay.map(\.group) == ["2026-12-02", "2026-12-03"])
            #expect(byDay.map(\.requests) == [2, 2])

            #expect(try await store.usage(groupBy: .key, from: to, to: to.addingTimeInterval(1)).isEmpty)
        }
    }

    /// A request's record as the gateway commits it: its usage and the audit record of the same request.
    static func committed(_ usage: UsageRecord) -> RequestRecord {
        RequestRecord(
            usage: usage,
            audit: AuditRecord(
                kind: .request, time: usage.time, requestID: usage.requestID, keyID: usage.keyID, app: usage.app,
                team: usage.team, modelRequested: usage.model, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut,
                tokensCached: usage.tokensCached, costMicros: usage.costMicros, status: usage.status,
                latencyMs: usage.latencyMs))
    }

    @Test("usage committed with its audit record counts the same as usage recorded alone", arguments: StoreBackend.allCases)
    func committedWithAudit(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            // Recorded alone (as before the audit row carried usage), committed with its audit
            // record, and committed with an audit record of another request: all three count.
            try await store.recordUsage(Self.record(Self.day1, key: "k1", team: "care", model: "gpt", cost: 1000, latency: 100))
            _ = try await store.commit([
                Self.committed(Self.record(Self.day1, key: "k1", team: "care", model: "gpt", cost: 500, status: 502, latency: 300)),
                Self.committed(Self.record(Self.day2, key: nil, team: nil, model: "open", cost: 7)),
            ])
            var mismatched = Self.committed(Self.record(Self.day2, key: "k2", team: nil, model: "gpt", cost: 2500))
            mismatched.usage?.requestID = "another-request"
            _ = try await store.commit([mismatched])
            let from = Self.day1.addingTimeInterval(-3600)
            let to = Self.day2.addingTimeInterval(3600)

            let byKey = try await store.usage(groupBy: .key, from: from, to: to)
            #expect(byKey.map(\.group) == ["k1", "k2", nil])
            #expect(
                byKey.first
                    == UsageSummary(
                        group: "k1", requests: 2, errors: 1, tokensIn: 200, tokensOut: 40, tokensCached: 20,
                        costMicros: 1500, averageLatencyMs: 200))
            let byDay = try await store.usage(groupBy: .day, from: from, to: to)
            #expect(byDay.map(\.group) == ["2026-12-02", "2026-12-03"])
            #expect(byDay.map(\.costMicros) == [1500, 2507])
            let series = try await store.usageSeries(groupBy: .team, from: from, to: to)
            #expect(series.map(\.day) == ["2026-12-02", "2026-12-03"])
            #expect(series.map(\.summary.group) == ["care", nil])
            #expect(series.map(\.summary.requests) == [2, 2])
            // From the second day (UTC) on: one committed request, and the usage filed apart.
            #expect(try await store.usage(groupBy: .model, from: Self.day2, to: to).map(\.costMicros) == [2500, 7])

            if let sqlite = store as? SQLiteStore {
                // On SQLite the usage of a committed request is its audit row's; the others have rows of their own.
                let (separate, inAudit) = try await sqlite.pool.read { db in
                    (
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage") ?? -1,
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE usage_model IS NOT NULL") ?? -1
                    )
                }
                #expect(separate == 2)
                #expect(inAudit == 2)
            }
        }
    }
}
