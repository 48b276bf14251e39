import AjarCore
import Foundation
import PostgresNIO

// The dashboard's reads on PostgreSQL: the same queries as SQLite's, over copies of the record's
// fields that an insert trigger keeps in `filter_*` columns (see ``PostgresStore/dashboardMigrations``).
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
            return AuditPage(rows: rows, hasOlder: hasOlder, hasNewer: hasNewer)
        }
    }

    package func auditPolicySummary(from: Date, to: Date) async throws -> [AuditPolicyGroup] {
        let fromMs = from.millisecondsSince1970
        let toMs = to.millisecondsSince1970
        return try await withConnection { connection in
            try await self.all(
                connection,
                """
                SELECT time_ms / 86400000 AS day, filter_classes, filter_decision, filter_status, COUNT(*)::BIGINT
                FROM audit_log
                WHERE time_ms >= \(fromMs) AND time_ms < \(toMs) AND filter_classes <> '[]'
                GROUP BY day, filter_classes, filter_decision, filter_status
                UNION ALL
                SELECT time_ms / 86400000 AS day, filter_classes, filter_decision, filter_status, COUNT(*)::BIGINT
                FROM audit_log
                WHERE filter_status = 403 AND time_ms >= \(fromMs) AND time_ms < \(toMs) AND filter_classes = '[]'
                GROUP BY day, filter_classes, filter_decision, filter_status
                """
            ) { row in
                let (days, classes, decision, status, count) = try row.decode(
                    (Int64, String, String?, Int64?, Int64).self)
                return AuditPolicyGroup(
                    day: BudgetPeriod.day.key(for: Date(millisecondsSince1970: days * 86_400_000)),
                    dataClasses: (try? JSONParser.parse(classes))?.arrayValue?.compactMap(\.stringValue) ?? [],
                    decision: decision, status: Int(status ?? 0), count: Int(count))
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

    // MARK: - The filter columns and their indexes

    static let auditKeyExpression = "filter_key_id"
    static let auditAppExpression = "filter_app"
    static let auditStatusExpression = "filter_status"
    static let auditStatusClassExpression = "(filter_status / 100)"

    /// Copies of the record fields the dashboard filters on, in columns of their own, with indexes.
    ///
    /// Columns filled by a `BEFORE INSERT` trigger rather than expression indexes over
    /// `record::jsonb`: an expression index would make every write of a row whose record is not
    /// JSON fail — and with it this migration on a log that already holds a damaged row, so a
    /// tampered log would stop the gateway from starting instead of being reported by
    /// ``verifyAudit()``. The trigger parses each appended record once (appends are always
    /// canonical JSON; measured: about 13 µs more per append, indexes included); existing rows are
    /// filled once here, skipping any that do not parse.
    /// Rows altered later keep the copies of what was appended, which is what verify compares.
    static let dashboardMigrations: [(name: String, statements: [String])] = [
        (
            "v2: audit filter columns and indexes for the dashboard",
            [
                """
                ALTER TABLE audit_log ADD COLUMN filter_key_id TEXT, ADD COLUMN filter_app TEXT,
                    ADD COLUMN filter_status BIGINT, ADD COLUMN filter_classes TEXT, ADD COLUMN filter_decision TEXT
                """,
                """
                CREATE FUNCTION ajar_audit_fill_filters() RETURNS trigger LANGUAGE plpgsql AS $fill$
                DECLARE
                    j jsonb := NEW.record::jsonb;
                BEGIN
                    NEW.filter_key_id := j ->> 'key_id';
                    NEW.filter_app := j ->> 'app';
                    NEW.filter_status := CASE WHEN (j ->> 'status') ~ '^-?[0-9]{1,18}$' THEN (j ->> 'status')::BIGINT END;
                    NEW.filter_classes := CASE WHEN jsonb_typeof(j -> 'data_classes') = 'array'
                                               THEN (j -> 'data_classes')::TEXT ELSE '[]' END;
                    NEW.filter_decision := j ->> 'decision';
                    RETURN NEW;
                END
                $fill$
                """,
                """
                CREATE FUNCTION ajar_try_jsonb(t TEXT) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $try$
                BEGIN
                    RETURN t::jsonb;
                EXCEPTION WHEN others THEN
                    RETURN NULL;
                END
                $try$
                """,
                """
                UPDATE audit_log SET
                    filter_key_id = parsed.j ->> 'key_id', filter_app = parsed.j ->> 'app',
                    filter_status = CASE WHEN (parsed.j ->> 'status') ~ '^-?[0-9]{1,18}$'
                                         THEN (parsed.j ->> 'status')::BIGINT END,
                    filter_classes = CASE WHEN jsonb_typeof(parsed.j -> 'data_classes') = 'array'
                                          THEN (parsed.j -> 'data_classes')::TEXT ELSE '[]' END,
                    filter_decision = parsed.j ->> 'decision'
                FROM (SELECT seq AS s, ajar_try_jsonb(record) AS j FROM audit_log) AS parsed
                WHERE audit_log.seq = parsed.s AND parsed.j IS NOT NULL
                """,
                "DROP FUNCTION ajar_try_jsonb(TEXT)",
                """
                CREATE TRIGGER audit_log_fill_filters BEFORE INSERT ON audit_log
                FOR EACH ROW EXECUTE FUNCTION ajar_audit_fill_filters()
                """,
                "CREATE INDEX audit_log_kind_seq ON audit_log (kind, seq)",
                "CREATE INDEX audit_log_key_seq ON audit_log (filter_key_id, seq)",
                "CREATE INDEX audit_log_app_seq ON audit_log (filter_app, seq)",
                "CREATE INDEX audit_log_status_seq ON audit_log (filter_status, seq)",
                "CREATE INDEX audit_log_status_class_seq ON audit_log ((filter_status / 100), seq)",
                "CREATE INDEX audit_log_classes_time ON audit_log (time_ms) WHERE filter_classes <> '[]'",
            ]
        )
    ]
}
