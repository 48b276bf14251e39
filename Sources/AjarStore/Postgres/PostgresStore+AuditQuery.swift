import AjarCore
import Foundation
import PostgresNIO

// The dashboard's reads on PostgreSQL: the same queries as SQLite's, with jsonb expressions that
// match the expression indexes of ``PostgresStore/dashboardMigrations`` exactly.
extension PostgresStore {
    package func listAudit(_ query: AuditQuery) async throws -> AuditPage {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        /// Appends a bound value and returns its placeholder.
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        if let from = query.from { conditions.append("time_ms >= \(bind(from.millisecondsSince1970))") }
        if let to = query.to { conditions.append("time_ms < \(bind(to.millisecondsSince1970))") }
        if let keyID = query.keyID { conditions.append("\(Self.auditKeyExpression) = \(bind(keyID))") }
        if let app = query.app { conditions.append("\(Self.auditAppExpression) = \(bind(app))") }
        if let kind = query.kind { conditions.append("kind = \(bind(kind.rawValue))") }
        if let status = query.status {
            switch AuditQuery.StatusMatch(status) {
            case .code(let code):
                conditions.append("\(Self.auditStatusExpression) = \(bind(Int64(code)))")
            case .classes(let low, let high) where low == high:
                conditions.append("\(Self.auditStatusClassExpression) = \(bind(Int64(low)))")
            case .classes(let low, let high):
                conditions.append(
                    "\(Self.auditStatusClassExpression) BETWEEN \(bind(Int64(low))) AND \(bind(Int64(high)))")
            case .range(let low, let high):
                conditions.append("\(Self.auditStatusExpression) BETWEEN \(bind(Int64(low))) AND \(bind(Int64(high)))")
            }
        }
        let filter = conditions
        let filterBindings = bindings
        let limit = query.limit
        /// Rows matching the filter plus one seq condition (`seq < $n` …), at most `count`.
        @Sendable func fetch(
            _ connection: PostgresConnection, _ seqOperator: String?, _ seq: Int64, descending: Bool, count: Int
        ) async throws -> [AuditRow] {
            var all = filter
            var values = filterBindings
            if let seqOperator {
                values.append(seq)
                all.append("seq \(seqOperator) $\(values.count)")
            }
            values.append(Int64(count))
            let limitPlaceholder = "$\(values.count)"
            let whereClause = all.isEmpty ? "" : "WHERE " + all.joined(separator: " AND ")
            let sql = """
                SELECT seq, time_ms, request_id, kind, record, prev_hash, hash FROM audit_log
                \(whereClause) ORDER BY seq \(descending ? "DESC" : "ASC") LIMIT \(limitPlaceholder)
                """
            return try await self.all(connection, PostgresQuery(unsafeSQL: sql, binds: values), PostgresStore.auditRow)
        }
        return try await withConnection { connection in
            var rows: [AuditRow]
            var hasOlder = false
            var hasNewer = false
            switch query.cursor {
            case .head:
                rows = try await fetch(connection, nil, 0, descending: true, count: limit + 1)
                hasOlder = rows.count > limit
                rows = Array(rows.prefix(limit))
            case .before(let seq):
                rows = try await fetch(connection, "<", seq, descending: true, count: limit + 1)
                hasOlder = rows.count > limit
                rows = Array(rows.prefix(limit))
                hasNewer = !(try await fetch(connection, ">=", seq, descending: false, count: 1)).isEmpty
            case .after(let seq):
                rows = try await fetch(connection, ">", seq, descending: false, count: limit + 1)
                hasNewer = rows.count > limit
                rows = Array(rows.prefix(limit)).reversed()
                hasOlder = !(try await fetch(connection, "<=", seq, descending: true, count: 1)).isEmpty
            }
            return AuditPage(entries: rows.compactMap(AuditEntry.init), hasOlder: hasOlder, hasNewer: hasNewer)
        }
    }

    package func auditPolicySummary(from: Date, to: Date) async throws -> [AuditPolicyGroup] {
        let fromMs = from.millisecondsSince1970
        let toMs = to.millisecondsSince1970
        return try await withConnection { connection in
            try await self.all(
                connection,
                """
                SELECT time_ms / 86400000 AS day, (\(unescaped: Self.auditClassesExpression))::TEXT AS classes,
                       record::jsonb ->> 'decision' AS decision, \(unescaped: Self.auditStatusExpression) AS status,
                       COUNT(*)::BIGINT AS n
                FROM audit_log
                WHERE time_ms >= \(fromMs) AND time_ms < \(toMs) AND \(unescaped: Self.auditClassesExpression) <> '[]'::jsonb
                GROUP BY day, classes, decision, status
                UNION ALL
                SELECT time_ms / 86400000 AS day, '[]' AS classes,
                       record::jsonb ->> 'decision' AS decision, \(unescaped: Self.auditStatusExpression) AS status,
                       COUNT(*)::BIGINT AS n
                FROM audit_log
                WHERE \(unescaped: Self.auditStatusExpression) = 403 AND time_ms >= \(fromMs) AND time_ms < \(toMs)
                      AND \(unescaped: Self.auditClassesExpression) = '[]'::jsonb
                GROUP BY day, decision, status
                """
            ) { row in
                let (days, classes, decision, status, count) = try row.decode(
                    (Int64, String, String?, Int64, Int64).self)
                return AuditPolicyGroup(
                    day: BudgetPeriod.day.key(for: Date(millisecondsSince1970: days * 86_400_000)),
                    dataClasses: (try? JSONParser.parse(classes))?.arrayValue?.compactMap(\.stringValue) ?? [],
                    decision: decision, status: Int(status), count: Int(count))
            }
        }
    }

    package func usageSeries(groupBy: UsageGrouping, from: Date, to: Date) async throws -> [UsageSeriesPoint] {
        let column = UsageSummary.column(for: groupBy)
        let fromMs = from.millisecondsSince1970
        let toMs = to.millisecondsSince1970
        return try await withConnection { connection in
            try await self.all(
                connection,
                """
                SELECT day, \(unescaped: column) AS grp, COUNT(*)::BIGINT,
                       SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END)::BIGINT,
                       SUM(tokens_in)::BIGINT, SUM(tokens_out)::BIGINT, SUM(tokens_cached)::BIGINT,
                       SUM(cost_micros)::BIGINT, ROUND(AVG(latency_ms))::BIGINT
                FROM usage WHERE time_ms >= \(fromMs) AND time_ms < \(toMs)
                GROUP BY day, grp
                """
            ) { row in
                let (day, group, requests, errors, tokensIn, tokensOut, cached, cost, latency) = try row.decode(
                    (String, String?, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
                return UsageSeriesPoint(
                    day: day,
                    summary: UsageSummary(
                        group: group, requests: Int(requests), errors: Int(errors), tokensIn: Int(tokensIn),
                        tokensOut: Int(tokensOut), tokensCached: Int(cached), costMicros: cost,
                        averageLatencyMs: Int(latency)))
            }
        }
        .sortedForSeries()
    }

    // MARK: - Expressions shared with the indexes

    static let auditKeyExpression = "(record::jsonb ->> 'key_id')"
    static let auditAppExpression = "(record::jsonb ->> 'app')"
    static let auditStatusExpression = "((record::jsonb ->> 'status')::BIGINT)"
    static let auditClassesExpression = "(record::jsonb -> 'data_classes')"
    static let auditStatusClassExpression = "(((record::jsonb ->> 'status')::BIGINT) / 100)"

    /// Indexes for the dashboard's audit filters and policy summary.
    static let dashboardMigrations: [(name: String, statements: [String])] = [
        (
            "v2: audit indexes for the dashboard's filters",
            [
                "CREATE INDEX audit_log_kind_seq ON audit_log (kind, seq)",
                "CREATE INDEX audit_log_key_seq ON audit_log (\(auditKeyExpression), seq)",
                "CREATE INDEX audit_log_app_seq ON audit_log (\(auditAppExpression), seq)",
                "CREATE INDEX audit_log_status_seq ON audit_log (\(auditStatusExpression), seq)",
                "CREATE INDEX audit_log_status_class_seq ON audit_log (\(auditStatusClassExpression), seq)",
                "CREATE INDEX audit_log_classes_time ON audit_log (time_ms) WHERE \(auditClassesExpression) <> '[]'::jsonb",
            ]
        )
    ]
}
