import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("The dashboard's queries: audit pages, policy summary, usage per day, on both backends")
struct AuditQueryStoreTests {
    static let start = Date(timeIntervalSince1970: 1_796_205_600)  // 2026-12-02 10:00 UTC

    /// Record `index` (1-based): key_{index % 3}, app a/b alternating, every 4th a 403, every 5th
    /// an admin record, one minute apart; every 3rd found an email and was pseudonymised.
    static func record(_ index: Int) -> AuditRecord {
        let admin = index % 5 == 0
        let email = index % 3 == 0
        return AuditRecord(
            kind: admin ? .admin : .request, time: start.addingTimeInterval(Double(index) * 60),
            requestID: "req-\(index)", keyID: admin ? nil : "key_\(index % 3)",
            app: admin ? "admin" : (index % 2 == 0 ? "a" : "b"),
            modelRequested: "chat",
            decision: email
                ? "tier=limited; classes=email; actions=email:pseudonymise; model=openai/x"
                : "tier=limited; classes=none",
            dataClasses: email ? ["email"] : [], costMicros: Int64(index), status: index % 4 == 0 ? 403 : 200,
            latencyMs: index, action: admin ? "key.created" : nil)
    }

    static func fill(_ store: any GatewayStore, count: Int) async throws {
        for index in 1...count { try await store.appendAudit(record(index)) }
    }

    /// The seqs the filter should return, newest first, computed from ``record(_:)`` directly.
    static func expected(_ count: Int, _ include: (AuditRecord) -> Bool) -> [Int64] {
        (1...count).reversed().filter { include(record($0)) }.map(Int64.init)
    }

    @Test("pages run newest first, cut by seq, with older and newer links", arguments: StoreBackend.allCases)
    func paging(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            try await Self.fill(store, count: 25)
            let first = try await store.listAudit(AuditQuery(limit: 10))
            #expect(first.entries.map(\.seq) == Array((16...25).reversed()))
            #expect(first.hasOlder && !first.hasNewer)
            #expect(first.entries.first?.record == Self.record(25))
            let second = try await store.listAudit(AuditQuery(cursor: .before(16), limit: 10))
            #expect(second.entries.map(\.seq) == Array((6...15).reversed()))
            #expect(second.hasOlder && second.hasNewer)
            let last = try await store.listAudit(AuditQuery(cursor: .before(6), limit: 10))
            #expect(last.entries.map(\.seq) == [5, 4, 3, 2, 1])
            #expect(!last.hasOlder && last.hasNewer)
            let back = try await store.listAudit(AuditQuery(cursor: .after(5), limit: 10))
            #expect(back.entries.map(\.seq) == Array((6...15).reversed()))
            #expect(back.hasOlder && back.hasNewer)
            let empty = try await AuditQueryStoreTests.emptyStorePage(backend)
            #expect(empty.entries.isEmpty && !empty.hasOlder && !empty.hasNewer)
        }
    }

    static func emptyStorePage(_ backend: StoreBackend) async throws -> AuditPage {
        try await backend.withStore { store, _ in try await store.listAudit(AuditQuery()) }
    }

    @Test("filters by key, app, kind, status and time, alone and together", arguments: StoreBackend.allCases)
    func filters(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let count = 40
            try await Self.fill(store, count: count)
            func seqs(_ query: AuditQuery) async throws -> [Int64] {
                try await store.listAudit(query).entries.map(\.seq)
            }
            #expect(
                try await seqs(AuditQuery(keyID: "key_1", limit: 100)) == Self.expected(count) { $0.keyID == "key_1" })
            #expect(try await seqs(AuditQuery(app: "a", limit: 100)) == Self.expected(count) { $0.app == "a" })
            #expect(try await seqs(AuditQuery(kind: .admin, limit: 100)) == Self.expected(count) { $0.kind == .admin })
            // One code, whole hundreds, several hundreds, and an arbitrary range match alike.
            #expect(
                try await seqs(AuditQuery(status: 400...499, limit: 100)) == Self.expected(count) { $0.status == 403 })
            #expect(
                try await seqs(AuditQuery(status: 403...403, limit: 100)) == Self.expected(count) { $0.status == 403 })
            #expect(
                try await seqs(AuditQuery(status: 200...299, limit: 100)) == Self.expected(count) { $0.status == 200 })
            #expect(
                try await seqs(AuditQuery(status: 400...599, limit: 100)) == Self.expected(count) { $0.status == 403 })
            #expect(
                try await seqs(AuditQuery(status: 201...450, limit: 100)) == Self.expected(count) { $0.status == 403 })
            #expect(try await seqs(AuditQuery(status: 500...599, limit: 100)) == [])
            let from = Self.start.addingTimeInterval(10 * 60), to = Self.start.addingTimeInterval(20 * 60)
            #expect(try await seqs(AuditQuery(from: from, to: to, limit: 100)) == Array((10...19).reversed()))
            let combined = AuditQuery(from: from, keyID: "key_2", status: 200...200, limit: 3)
            let all = Self.expected(count) { $0.keyID == "key_2" && $0.status == 200 && $0.time >= from }
            let page = try await store.listAudit(combined)
            #expect(page.entries.map(\.seq) == Array(all.prefix(3)))
            #expect(page.hasOlder == (all.count > 3))
            #expect(try await seqs(AuditQuery(keyID: "key_nobody")) == [])
            // A hostile filter value is a bound parameter, not SQL.
            #expect(try await seqs(AuditQuery(app: "a' OR '1'='1")) == [])
        }
    }

    @Test("the policy summary counts classes and refusals per day", arguments: StoreBackend.allCases)
    func policySummary(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            try await Self.fill(store, count: 24)
            let groups = try await store.auditPolicySummary(
                from: Self.start, to: Self.start.addingTimeInterval(86_400))
            let withClasses = groups.filter { $0.dataClasses == ["email"] }.reduce(0) { $0 + $1.count }
            #expect(withClasses == 8)  // 3, 6, …, 24
            let refusedWithout = groups.filter { $0.dataClasses.isEmpty && $0.status == 403 }.reduce(0) {
                $0 + $1.count
            }
            #expect(refusedWithout == 4)  // 4, 8, 16, 20 (12 and 24 found an email)
            #expect(groups.allSatisfy { $0.day == "2026-12-02" })
            #expect(groups.contains { $0.decision?.contains("actions=email:pseudonymise") == true })
            let none = try await store.auditPolicySummary(
                from: Self.start.addingTimeInterval(86_400), to: Self.start.addingTimeInterval(2 * 86_400))
            #expect(none.isEmpty)
        }
    }

    @Test("usage per day and group", arguments: StoreBackend.allCases)
    func usageSeries(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            for (day, model, cost) in [(0, "m1", 10), (0, "m1", 5), (0, "m2", 7), (1, "m2", 3)] {
                try await store.recordUsage(
                    UsageRecord(
                        time: Self.start.addingTimeInterval(Double(day) * 86_400), requestID: UUID().uuidString,
                        keyID: "k",
                        app: "a", team: nil, model: model, provider: "p", tokensIn: 1, tokensOut: 2,
                        costMicros: Int64(cost), latencyMs: 5, status: 200))
            }
            let points = try await store.usageSeries(
                groupBy: .model, from: Self.start.addingTimeInterval(-3600),
                to: Self.start.addingTimeInterval(3 * 86_400))
            #expect(points.map(\.day) == ["2026-12-02", "2026-12-02", "2026-12-03"])
            #expect(points.map(\.summary.group) == ["m1", "m2", "m2"])
            #expect(points.map(\.summary.costMicros) == [15, 7, 3])
            #expect(points.map(\.summary.requests) == [2, 1, 1])
            let teams = try await store.usageSeries(
                groupBy: .team, from: Self.start.addingTimeInterval(-3600),
                to: Self.start.addingTimeInterval(3 * 86_400))
            #expect(teams.map(\.summary.group) == [nil, nil])
        }
    }

    @Test("a record altered into something that is not JSON is listed as damaged, and filters still work",
        arguments: StoreBackend.allCases)
    func damagedRecord(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 6)
            try await sql("UPDATE audit_log SET record = '{\"unterminated' WHERE seq = 3")
            let page = try await store.listAudit(AuditQuery())
            #expect(page.entries.map(\.seq) == [6, 5, 4, 2, 1])
            #expect(page.damaged == [3])
            #expect(page.firstSeq == 6 && page.lastSeq == 1)
            // Filters read what was appended (key_0 had records 3 and 6).
            let byKey = try await store.listAudit(AuditQuery(keyID: "key_0"))
            #expect(byKey.entries.map(\.seq) == [6])
            #expect(byKey.damaged == [3])  // filter columns keep what was appended
            _ = try await store.auditPolicySummary(from: Self.start, to: Self.start.addingTimeInterval(86_400))
            #expect(try await store.verifyAudit().firstBreak?.seq == 3)
        }
    }

    @Test("the dashboard migration runs over a log that already holds a damaged record", arguments: StoreBackend.allCases)
    func migrationOverDamagedLog(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 6)
            // Back to the schema before the migration, as an older gateway left it, then damage a row.
            switch backend {
            case .sqlite, .sqliteServing:
                // Everything v2 to v5 added, so reopening runs them all over the damaged log.
                try await sql("DROP VIEW usage_rows")
                for index in ["admin_seq", "error_seq", "error_class_seq", "key_seq", "app_seq", "classes_time"] {
                    try await sql("DROP INDEX audit_log_\(index)")
                }
                for column in [
                    "key_id", "app", "status", "has_classes", "team", "usage_model", "usage_provider", "tokens_in", "tokens_out",
                    "tokens_cached", "cost_micros", "latency_ms",
                ] {
                    try await sql("ALTER TABLE audit_log DROP COLUMN \(column)")
                }
                try await sql(
                    "DELETE FROM grdb_migrations WHERE identifier LIKE 'v2:%' OR identifier LIKE 'v3:%' OR identifier LIKE 'v4:%' "
                        + "OR identifier LIKE 'v5:%'")
            case .postgres:
                try await sql("DROP TRIGGER audit_log_fill_filters ON audit_log")
                try await sql("DROP FUNCTION ajar_audit_fill_filters()")
                for index in ["kind_seq", "key_seq", "app_seq", "status_seq", "status_class_seq", "classes_time"] {
                    try await sql("DROP INDEX audit_log_\(index)")
                }
                try await sql(
                    "ALTER TABLE audit_log DROP COLUMN filter_key_id, DROP COLUMN filter_app, DROP COLUMN filter_status, "
                        + "DROP COLUMN filter_classes, DROP COLUMN filter_decision")
                try await sql("DELETE FROM ajar_schema_migrations WHERE name LIKE 'v2:%'")
            }
            try await sql("UPDATE audit_log SET record = 'not json at all' WHERE seq = 2")
            switch backend {
            case .sqlite, .sqliteServing:
                // Reopened as a reader would (a serving store keeps its lock until closed).
                let sqlite = try #require(store as? SQLiteStore)
                let reopened = try SQLiteStore(path: sqlite.path, logger: StoreBackend.logger)
                try await Self.checkMigrated(reopened)
                try await reopened.close()
            case .postgres:
                try await store.migrate()
                try await Self.checkMigrated(store)
            }
        }
    }

    /// After the migration: old rows are found by their fields, new appends too, the damaged row is damaged.
    static func checkMigrated(_ store: any GatewayStore) async throws {
        let byKey = try await store.listAudit(AuditQuery(keyID: "key_1"))
        #expect(byKey.entries.map(\.seq) == [4, 1])
        try await store.appendAudit(record(7))
        let refused = try await store.listAudit(AuditQuery(status: 403...403))
        #expect(refused.entries.map(\.seq) == [4])
        let all = try await store.listAudit(AuditQuery())
        #expect(all.entries.map(\.seq) == [7, 6, 5, 4, 3, 1])
        #expect(all.damaged == [2])
        let groups = try await store.auditPolicySummary(from: start, to: start.addingTimeInterval(86_400))
        #expect(groups.filter { $0.dataClasses == ["email"] }.reduce(0) { $0 + $1.count } == 2)  // 3 and 6
    }

    @Test("100,000 audit records: a filtered page deep in the log returns the right rows, in order")
    func largeLog() async throws {
        try await TemporaryStore.with { store in
            let count = 100_000
            var records: [AuditRecord] = []
            records.reserveCapacity(count)
            for index in 1...count { records.append(Self.record(index)) }
            try await store.appendAuditBatch(records)
            let head = try await store.listAudit(AuditQuery(limit: 50))
            #expect(head.entries.map(\.seq) == Array((99_951...100_000).reversed()))
            // Deep in the log, filtered by key and status: keyset pagination from seq 50,001 down.
            let expected = Array(Self.expected(50_000) { $0.keyID == "key_1" && $0.status == 200 }.prefix(50))
            let deep = try await store.listAudit(
                AuditQuery(keyID: "key_1", status: 200...299, cursor: .before(50_001), limit: 50))
            #expect(deep.entries.map(\.seq) == expected)
            #expect(deep.entries.allSatisfy { $0.record.keyID == "key_1" && $0.record.status == 200 })
            #expect(deep.hasOlder && deep.hasNewer)
            let admin = try await store.listAudit(AuditQuery(kind: .admin, cursor: .before(1_000), limit: 5))
            #expect(admin.entries.map(\.seq) == [995, 990, 985, 980, 975])
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact && verification.checked == Int64(count))
        }
    }
}
