import Foundation
import GRDB

extension SQLiteStore {
    package func recordUsage(_ usage: UsageRecord) async throws {
        try await run {
            try await pool.write { db in try SQLiteStore.insertUsage(db, usage) }
        }
    }

    static func insertUsage(_ db: Database, _ usage: UsageRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO usage (time_ms, day, request_id, key_id, app, team, model, provider, tokens_in,
                                   tokens_out, tokens_cached, cost_micros, latency_ms, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            usage.time.millisecondsSince1970, BudgetPeriod.day.key(for: usage.time), usage.requestID, usage.keyID,
            usage.app, usage.team, usage.model, usage.provider, usage.tokensIn, usage.tokensOut, usage.tokensCached,
            usage.costMicros, usage.latencyMs, usage.status,
        ])
    }

    package func usage(groupBy: UsageGrouping, from: Date, to: Date) async throws -> [UsageSummary] {
        await caughtUp()
        let rows = try await run {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(UsageSummary.column(for: groupBy)) AS grp, COUNT(*) AS requests,
                               SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END) AS errors,
                               SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out,
                               SUM(tokens_cached) AS tokens_cached, SUM(cost_micros) AS cost_micros,
                               CAST(ROUND(AVG(latency_ms)) AS INTEGER) AS latency_ms
                        FROM usage_rows WHERE time_ms >= ? AND time_ms < ?
                        GROUP BY grp
                        """,
                    arguments: [from.millisecondsSince1970, to.millisecondsSince1970]
                ).map { row in
                    UsageSummary(
                        group: try row.decode(forColumn: "grp"), requests: try row.decode(forColumn: "requests"),
                        errors: try row.decode(forColumn: "errors"), tokensIn: try row.decode(forColumn: "tokens_in"),
                        tokensOut: try row.decode(forColumn: "tokens_out"),
                        tokensCached: try row.decode(forColumn: "tokens_cached"),
                        costMicros: try row.decode(forColumn: "cost_micros"),
                        averageLatencyMs: try row.decode(forColumn: "latency_ms"))
                }
            }
        }
        return UsageSummary.sorted(rows)
    }
}

extension UsageSummary {
    /// The `usage_rows` column a grouping reads (never user text: the SQL is built from this enum only).
    static func column(for grouping: UsageGrouping) -> String {
        switch grouping {
        case .key: "key_id"
        case .team: "team"
        case .model: "model"
        case .day: "day"
        }
    }

    /// Groups in byte order, the `nil` group last (the same on both backends, whatever their collation).
    static func sorted(_ rows: [UsageSummary]) -> [UsageSummary] {
        rows.sorted { a, b in
            switch (a.group, b.group) {
            case (nil, _): false
            case (_, nil): true
            case (let x?, let y?): x.utf8.lexicographicallyPrecedes(y.utf8)
            }
        }
    }
}
