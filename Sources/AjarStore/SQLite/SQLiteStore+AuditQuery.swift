import AjarCore
import Foundation
import GRDB

// The dashboard's reads: audit pages (keyset by seq), the policy summary and usage per day.
// The filter expressions match the expression indexes of ``SQLiteStore/registerDashboardIndexes(_:)``
// character for character: SQLite uses an expression index only for the identical expression.
extension SQLiteStore {
    package func listAudit(_ query: AuditQuery) async throws -> AuditPage {
        await caughtUp()
        let (filter, filterArguments) = Self.auditConditions(query)
        let limit = query.limit
        return try await run {
            try await pool.read { db -> AuditPage in
                /// Rows matching the filter plus one seq condition, at most `count`, in `order`.
                func fetch(_ seqCondition: String?, _ seq: Int64?, descending: Bool, count: Int) throws -> [AuditRow] {
                    var all = filter
                    var values = filterArguments
                    if let seqCondition, let seq {
                        all.append(seqCondition)
                        values.append(seq.databaseValue)
                    }
                    values.append(count.databaseValue)
                    return try Row.fetchAll(
                        db, sql: SQLiteStore.auditPageSQL(all, descending: descending), arguments: StatementArguments(values)
                    ).map(SQLiteStore.auditRow)
                }
                var rows: [AuditRow]
                var hasOlder = false
                var hasNewer = false
                switch query.cursor {
                case .head:
                    rows = try fetch(nil, nil, descending: true, count: limit + 1)
                    hasOlder = rows.count > limit
                    rows = Array(rows.prefix(limit))
                case .before(let seq):
                    rows = try fetch("seq < ?", seq, descending: true, count: limit + 1)
                    hasOlder = rows.count > limit
                    rows = Array(rows.prefix(limit))
                    hasNewer = !(try fetch("seq >= ?", seq, descending: false, count: 1)).isEmpty
                case .after(let seq):
                    rows = try fetch("seq > ?", seq, descending: false, count: limit + 1)
                    hasNewer = rows.count > limit
                    rows = Array(rows.prefix(limit)).reversed()
                    hasOlder = !(try fetch("seq <= ?", seq, descending: true, count: 1)).isEmpty
                }
                return AuditPage(rows: rows, hasOlder: hasOlder, hasNewer: hasNewer)
            }
        }
    }

    /// One page's query: rows matching every condition, by seq, at most `?` (the last argument).
    static func auditPageSQL(_ conditions: [String], descending: Bool) -> String {
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return """
            SELECT seq, time_ms, request_id, kind, record, prev_hash, hash FROM audit_log
            \(whereClause) ORDER BY seq \(descending ? "DESC" : "ASC") LIMIT ?
            """
    }

    /// The WHERE terms and arguments of an audit page query's filters.
    static func auditConditions(_ query: AuditQuery) -> (conditions: [String], arguments: [DatabaseValue]) {
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let from = query.from {
            conditions.append("time_ms >= ?")
            arguments.append(from.millisecondsSince1970.databaseValue)
        }
        if let to = query.to {
            conditions.append("time_ms < ?")
            arguments.append(to.millisecondsSince1970.databaseValue)
        }
        if let keyID = query.keyID {
            conditions.append("\(Self.auditKeyExpression) = ?")
            arguments.append(keyID.databaseValue)
        }
        if let app = query.app {
            conditions.append("\(Self.auditAppExpression) = ?")
            arguments.append(app.databaseValue)
        }
        if let kind = query.kind {
            // A literal (the kind is one of two words), so that `kind = 'admin'` matches the
            // partial index on admin records; request records are nearly all rows anyway.
            conditions.append("kind = '\(kind.rawValue)'")
        }
        if let status = query.status {
            // Errors have partial indexes (`WHERE status >= 300`); SQLite uses one only when
            // the query holds that same term, so it is added whenever the range implies it.
            if status.lowerBound >= 300 { conditions.append(Self.auditErrorCondition) }
            // The narrowest indexed form: one code, whole hundreds (2xx) by the class index, else a range.
            switch AuditQuery.StatusMatch(status) {
            case .code(let code):
                conditions.append("\(Self.auditStatusExpression) = ?")
                arguments.append(code.databaseValue)
            case .classes(let low, let high) where low == high:
                conditions.append("\(Self.auditStatusClassExpression) = ?")
                arguments.append(low.databaseValue)
            case .classes(let low, let high):
                conditions.append("\(Self.auditStatusClassExpression) BETWEEN ? AND ?")
                arguments.append(low.databaseValue)
                arguments.append(high.databaseValue)
            case .range(let low, let high):
                conditions.append("\(Self.auditStatusExpression) BETWEEN ? AND ?")
                arguments.append(low.databaseValue)
                arguments.append(high.databaseValue)
            }
        }
        return (conditions, arguments)
    }

    package func auditPolicySummary(from: Date, to: Date) async throws -> [AuditPolicyGroup] {
        await caughtUp()
        let fromMs = from.millisecondsSince1970
        let toMs = to.millisecondsSince1970
        return try await run {
            try await pool.read { db in
                // Two indexed halves: records with data classes (a partial index on time), and
                // refusals without classes (the status index).
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT time_ms / 86400000 AS day, COALESCE(\(Self.auditClassesExpression), '[]') AS classes,
                               \(Self.field("decision")) AS decision, \(Self.auditStatusExpression) AS status,
                               COUNT(*) AS n
                        FROM audit_log
                        WHERE time_ms >= ? AND time_ms < ? AND \(Self.auditHasClassesExpression) = 1
                        GROUP BY day, classes, decision, status
                        UNION ALL
                        SELECT time_ms / 86400000 AS day, '[]' AS classes,
                               \(Self.field("decision")) AS decision, \(Self.auditStatusExpression) AS status,
                               COUNT(*) AS n
                        FROM audit_log
                        WHERE \(Self.auditErrorCondition) AND \(Self.auditStatusExpression) = 403 AND time_ms >= ? AND time_ms < ?
                              AND \(Self.auditHasClassesExpression) = 0
                        GROUP BY day, decision, status
                        """,
                    arguments: [fromMs, toMs, fromMs, toMs]
                ).map { row in
                    let days: Int64 = try row.decode(forColumn: "day")
                    let classes: String = try row.decode(forColumn: "classes")
                    return AuditPolicyGroup(
                        day: BudgetPeriod.day.key(for: Date(millisecondsSince1970: days * 86_400_000)),
                        dataClasses: SQLiteStore.strings(inJSONArray: classes),
                        decision: try row.decode(forColumn: "decision"), status: try row.decode(forColumn: "status"),
                        count: try row.decode(forColumn: "n"))
                }
            }
        }
    }

    package func usageSeries(groupBy: UsageGrouping, from: Date, to: Date) async throws -> [UsageSeriesPoint] {
        await caughtUp()
        return try await run {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT day, \(UsageSummary.column(for: groupBy)) AS grp, COUNT(*) AS requests,
                               SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END) AS errors,
                               SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out,
                               SUM(tokens_cached) AS tokens_cached, SUM(cost_micros) AS cost_micros,
                               CAST(ROUND(AVG(latency_ms)) AS INTEGER) AS latency_ms
                        FROM usage_rows WHERE time_ms >= ? AND time_ms < ?
                        GROUP BY day, grp
                        """,
                    arguments: [from.millisecondsSince1970, to.millisecondsSince1970]
                ).map { row in
                    UsageSeriesPoint(
                        day: try row.decode(forColumn: "day"),
                        summary: UsageSummary(
                            group: try row.decode(forColumn: "grp"), requests: try row.decode(forColumn: "requests"),
                            errors: try row.decode(forColumn: "errors"),
                            tokensIn: try row.decode(forColumn: "tokens_in"),
                            tokensOut: try row.decode(forColumn: "tokens_out"),
                            tokensCached: try row.decode(forColumn: "tokens_cached"),
                            costMicros: try row.decode(forColumn: "cost_micros"),
                            averageLatencyMs: try row.decode(forColumn: "latency_ms")))
                }
            }
        }
        .sortedForSeries()
    }

    // MARK: - Expressions shared with the indexes

    // Filter columns written with each record (migration v3), so an append maintains plain B-tree
    // indexes instead of parsing the record's JSON once per expression index (that cost 16 µs a
    // record). They hold what was appended; verifyAudit() is what checks the records themselves.
    static let auditKeyExpression = "key_id"
    static let auditAppExpression = "app"
    static let auditStatusExpression = "status"
    /// Whether the record found data classes (1) or not (0).
    static let auditHasClassesExpression = "has_classes"
    /// The record's data classes, as JSON array text (read from the record, for display).
    static let auditClassesExpression = field("data_classes")
    /// The condition of the partial indexes on error statuses (migration v4).
    static let auditErrorCondition = "status >= 300"
    /// The status's hundreds digit (2 for 2xx): SQLite divides integers as integers.
    static let auditStatusClassExpression = "(status / 100)"

    /// A record field, or NULL when the record is not JSON.
    static func field(_ name: String) -> String {
        "CASE WHEN json_valid(record) THEN json_extract(record, '$.\(name)') END"
    }

    /// The strings of a JSON array's text (`["email","iban"]`); empty for anything else.
    static func strings(inJSONArray text: String) -> [String] {
        (try? JSONParser.parse(text))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Indexes for the dashboard's audit filters and policy summary (migrations of their own).
    static func registerDashboardIndexes(_ migrator: inout DatabaseMigrator) {
        // v2 indexed JSON expressions of the record (guarded by json_valid, so a damaged row could
        // not stop a write or the migration); v3 replaces them with columns written at append.
        migrator.registerMigration("v2: audit indexes for the dashboard's filters") { db in
            let guarded = { (name: String) in field(name) }
            try db.execute(
                sql: """
                    CREATE INDEX audit_log_kind_seq ON audit_log (kind, seq);
                    CREATE INDEX audit_log_key_seq ON audit_log (\(guarded("key_id")), seq);
                    CREATE INDEX audit_log_app_seq ON audit_log (\(guarded("app")), seq);
                    CREATE INDEX audit_log_status_seq ON audit_log (\(guarded("status")), seq);
                    CREATE INDEX audit_log_status_class_seq ON audit_log ((\(guarded("status")) / 100), seq);
                    CREATE INDEX audit_log_classes_time ON audit_log (time_ms)
                        WHERE \(guarded("data_classes")) <> '[]';
                    """)
        }
        migrator.registerMigration("v3: audit filter columns") { db in
            try db.execute(
                sql: """
                    ALTER TABLE audit_log ADD COLUMN key_id TEXT;
                    ALTER TABLE audit_log ADD COLUMN app TEXT;
                    ALTER TABLE audit_log ADD COLUMN status INTEGER;
                    ALTER TABLE audit_log ADD COLUMN has_classes INTEGER NOT NULL DEFAULT 0;
                    UPDATE audit_log SET key_id = \(field("key_id")), app = \(field("app")), status = \(field("status")),
                        has_classes = COALESCE(\(field("data_classes")) <> '[]', 0);
                    DROP INDEX audit_log_key_seq;
                    DROP INDEX audit_log_app_seq;
                    DROP INDEX audit_log_status_seq;
                    DROP INDEX audit_log_status_class_seq;
                    DROP INDEX audit_log_classes_time;
                    CREATE INDEX audit_log_key_seq ON audit_log (key_id, seq);
                    CREATE INDEX audit_log_app_seq ON audit_log (app, seq);
                    CREATE INDEX audit_log_status_seq ON audit_log (status, seq);
                    CREATE INDEX audit_log_status_class_seq ON audit_log ((status / 100), seq);
                    CREATE INDEX audit_log_classes_time ON audit_log (time_ms) WHERE has_classes = 1;
                    """)
        }
        // Each index costs every append a B-tree insert (about 1 µs each at gateway load). Admin
        // records and error statuses are rare, and a filter for them is where an index pays; a
        // filter for request records or for 2xx matches most rows and walks seq backwards anyway.
        migrator.registerMigration("v4: partial indexes for rare kinds and statuses") { db in
            try db.execute(
                sql: """
                    DROP INDEX audit_log_kind_seq;
                    DROP INDEX audit_log_status_seq;
                    DROP INDEX audit_log_status_class_seq;
                    CREATE INDEX audit_log_admin_seq ON audit_log (seq) WHERE kind = 'admin';
                    CREATE INDEX audit_log_error_seq ON audit_log (status, seq) WHERE \(auditErrorCondition);
                    CREATE INDEX audit_log_error_class_seq ON audit_log ((status / 100), seq) WHERE \(auditErrorCondition);
                    """)
        }
    }
}

extension [UsageSeriesPoint] {
    /// By day, then group in byte order with the `nil` group last (the same on both backends).
    func sortedForSeries() -> [UsageSeriesPoint] {
        sorted { a, b in
            if a.day != b.day { return a.day < b.day }
            switch (a.summary.group, b.summary.group) {
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?): return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
        }
    }
}
