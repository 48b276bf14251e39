import Foundation
import PostgresNIO

extension PostgresStore {
    package func recordUsage(_ usage: UsageRecord) async throws {
        try await withConnection { connection in try await self.insertUsage(connection, usage) }
    }

    func insertUsage(_ connection: PostgresConnection, _ usage: UsageRecord) async throws {
        let timeMs = usage.time.millisecondsSince1970
        let day = BudgetPeriod.day.key(for: usage.time)
        let numbers = [usage.tokensIn, usage.tokensOut, usage.tokensCached, usage.latencyMs, usage.status].map(
            Int64.init)
        try await connection.query(
            """
            INSERT INTO usage (time_ms, day, request_id, key_id, app, team, model, provider, tokens_in,
                               tokens_out, tokens_cached, cost_micros, latency_ms, status)
            VALUES (\(timeMs), \(day), \(usage.requestID), \(usage.keyID), \(usage.app), \(usage.team),
                    \(usage.model), \(usage.provider), \(numbers[0]), \(numbers[1]), \(numbers[2]),
                    \(usage.costMicros), \(numbers[3]), \(numbers[4]))
            """, logger: logger)
    }

    package func usage(groupBy: UsageGrouping, from: Date, to: Date) async throws -> [UsageSummary] {
        let column = UsageSummary.column(for: groupBy)
        let fromMs = from.millisecondsSince1970
        let toMs = to.millisecondsSince1970
        let rows = try await withConnection { connection in
            try await self.all(
                connection,
                """
                SELECT \(unescaped: column) AS grp, COUNT(*)::BIGINT,
                       SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END)::BIGINT,
                       SUM(tokens_in)::BIGINT, SUM(tokens_out)::BIGINT, SUM(tokens_cached)::BIGINT,
                       SUM(cost_micros)::BIGINT, ROUND(AVG(latency_ms))::BIGINT
                FROM usage WHERE time_ms >= \(fromMs) AND time_ms < \(toMs)
                GROUP BY grp
                """
            ) { row in
                let (group, requests, errors, tokensIn, tokensOut, cached, cost, latency) = try row.decode(
                    (String?, Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
                return UsageSummary(
                    group: group, requests: Int(requests), errors: Int(errors), tokensIn: Int(tokensIn),
                    tokensOut: Int(tokensOut), tokensCached: Int(cached), costMicros: cost,
                    averageLatencyMs: Int(latency))
            }
        }
        return UsageSummary.sorted(rows)
    }
}
