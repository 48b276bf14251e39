import Foundation
import GRDB
import Testing

@testable import AjarStore

/// Which index SQLite picks for each dashboard filter. Partial indexes are used only when the
/// query holds their condition, so this pins the pairing of ``SQLiteStore/auditConditions(_:)``
/// and the migrations: a filter for a rare kind or status must not walk the whole log.
@Suite("SQLite audit filters use their indexes")
struct AuditIndexPlanTests {
    /// SQLite's plan for the first page of `query`, as one string.
    static func plan(_ store: SQLiteStore, _ query: AuditQuery) async throws -> String {
        let (conditions, arguments) = SQLiteStore.auditConditions(query)
        let sql = SQLiteStore.auditPageSQL(conditions, descending: true)
        return try await store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(arguments + [51.databaseValue]))
                .map { row -> String in row["detail"] ?? "" }
                .joined(separator: "; ")
        }
    }

    @Test(
        "each rare filter has an index, and the common ones walk seq",
        arguments: [
            (AuditQuery(kind: .admin), "audit_log_admin_seq", false),
            (AuditQuery(status: 404...404), "audit_log_error_seq", false),
            (AuditQuery(status: 400...499), "audit_log_error_class_seq", false),
            // Several classes: the error rows of the range, then sorted by seq.
            (AuditQuery(status: 400...599), "audit_log_error_class_seq", true),
            (AuditQuery(keyID: "key_a"), "audit_log_key_seq", false),
            (AuditQuery(app: "billing"), "audit_log_app_seq", false),
        ])
    func indexed(query: AuditQuery, index: String, sorts: Bool) async throws {
        try await TemporaryStore.with { store in
            let plan = try await Self.plan(store, query)
            #expect(plan.contains(index), "\(plan)")
            #expect(plan.contains("TEMP B-TREE") == sorts, "\(plan)")
        }
    }

    @Test("filters that match most records use no error or admin index")
    func common() async throws {
        try await TemporaryStore.with { store in
            for query in [AuditQuery(kind: .request), AuditQuery(status: 200...299), AuditQuery(status: 200...200)] {
                let plan = try await Self.plan(store, query)
                #expect(!plan.contains("error"), "\(plan)")
                #expect(!plan.contains("admin"), "\(plan)")
                #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
            }
        }
    }

    @Test("appending a 2xx request record touches none of the partial indexes")
    func partialIndexesStayEmpty() async throws {
        try await TemporaryStore.with { store in
            _ = try await store.appendAudit(AuditStoreTests.record(1))
            _ = try await store.appendAudit(
                AuditRecord(kind: .request, time: Date(), requestID: "refused", status: 429, latencyMs: 0))
            let counts = try await store.pool.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log INDEXED BY audit_log_error_seq WHERE status >= 300") ?? -1,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log INDEXED BY audit_log_admin_seq WHERE kind = 'admin'") ?? -1
                )
            }
            #expect(counts.0 == 1)
            #expect(counts.1 == 0)
        }
    }
}
