import AjarCore
import AjarGateway
import AjarStore
import Foundation

extension DashboardRoutes {
    /// Cost and tokens per day over the last 30 days, open vs closed, by model, key and team;
    /// then every budget with what is left of it this period.
    func spend(_ viewer: Viewer) async throws -> String {
        let store = try accountant().store
        let now = Date()
        let end = Self.startOfDay(now).addingTimeInterval(86_400)
        let start = end.addingTimeInterval(-30 * 86_400)
        let days = (0..<30).map { BudgetPeriod.day.key(for: start.addingTimeInterval(Double($0) * 86_400 + 1)) }
        let byModel = try await store.usageSeries(groupBy: .model, from: start, to: end)
        let byKey = try await store.usageSeries(groupBy: .key, from: start, to: end)
        let byTeam = try await store.usageSeries(groupBy: .team, from: start, to: end)
        let keys = try await store.listKeys(includeRevoked: true)
        let teams = try await store.listTeams()
        let dayIndex = Dictionary(days.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

        // Open vs closed, from each model's openness class in the configuration.
        let classes = Dictionary(
            gateway.config.models.map { ($0.alias, $0.openness.opennessClass) }, uniquingKeysWith: { a, _ in a })
        var openCost = [Double](repeating: 0, count: 30), closedCost = openCost, otherCost = openCost
        var openTokens = openCost, closedTokens = openCost, otherTokens = openCost
        for point in byModel {
            guard let index = dayIndex[point.day] else { continue }
            let cost = Double(point.summary.costMicros) / 1_000_000
            let tokens = Double(point.summary.tokensIn + point.summary.tokensOut)
            switch point.summary.group.flatMap({ classes[$0] }) {
            case .some(.closed):
                closedCost[index] += cost
                closedTokens[index] += tokens
            case .some:
                openCost[index] += cost
                openTokens[index] += tokens
            case .none:
                otherCost[index] += cost
                otherTokens[index] += tokens
            }
        }
        var costSeries = [
            SVGChart.Series(name: "open", values: openCost), SVGChart.Series(name: "closed", values: closedCost),
        ]
        var tokenSeries = [
            SVGChart.Series(name: "open", values: openTokens), SVGChart.Series(name: "closed", values: closedTokens),
        ]
        if otherCost.contains(where: { $0 > 0 }) || otherTokens.contains(where: { $0 > 0 }) {
            costSeries.append(.init(name: "no longer configured", values: otherCost))
            tokenSeries.append(.init(name: "no longer configured", values: otherTokens))
        }
        let usd: (Double) -> String = { HTML.usd(Int64(($0 * 1_000_000).rounded())) }
        let count: (Double) -> String = { HTML.number(Int($0.rounded())) }

        let appOfKey = Dictionary(keys.map { ($0.id, $0.app) }, uniquingKeysWith: { a, _ in a })
        let openTotal = openCost.reduce(0, +), closedTotal = closedCost.reduce(0, +)
        var out = """
            <h1>Spend</h1><p>The last 30 days, \(HTML.escape(days.first ?? "")) to \(HTML.escape(days.last ?? "")) (UTC).</p>
            <p id="open-closed-totals">Open models: <strong>\(usd(openTotal))</strong> · \
            closed models: <strong>\(usd(closedTotal))</strong></p>
            \(SVGChart.stackedBars(id: "cost-chart", title: "Cost per day, open vs closed", labels: days, series: costSeries, format: usd))
            \(SVGChart.stackedBars(id: "tokens-chart", title: "Tokens per day, open vs closed", labels: days, series: tokenSeries, format: count))
            """
        out +=
            "<h2>By model</h2>"
            + Self.seriesTable(
                byModel, days: dayIndex, id: "spend-by-model",
                name: { group in
                    let openness =
                        group.flatMap { classes[$0] }.map {
                            " <span class=\"badge \($0.rawValue)\">\($0.rawValue)</span>"
                        } ?? ""
                    return HTML.escape(group ?? "(none)") + openness
                })
        out +=
            "<h2>By key</h2>"
            + Self.seriesTable(
                byKey, days: dayIndex, id: "spend-by-key",
                name: { group in
                    guard let group else { return "<span class=\"empty\">no key</span>" }
                    return "<code>\(HTML.escape(group))</code> \(HTML.escape(appOfKey[group] ?? ""))"
                })
        out +=
            "<h2>By team</h2>"
            + Self.seriesTable(
                byTeam, days: dayIndex, id: "spend-by-team",
                name: { group in
                    group.map(HTML.escape) ?? "<span class=\"empty\">no team</span>"
                })

        // Budgets: every key and team that has one, this period.
        var budgetRows: [[String]] = []
        for key in keys where key.budget != nil && !key.isRevoked {
            if let status = try await store.budgetStatus(scope: BudgetScope.key(key.id), at: now) {
                budgetRows.append(
                    Self.budgetRow("key <code>\(HTML.escape(key.id))</code> \(HTML.escape(key.app))", status))
            }
        }
        for team in teams where team.budget != nil {
            if let status = try await store.budgetStatus(scope: BudgetScope.team(team.name), at: now) {
                budgetRows.append(Self.budgetRow("team \(HTML.escape(team.name))", status))
            }
        }
        out +=
            "<h2>Budgets</h2>"
            + DashboardLayout.table(
                ["scope", "period", "limit", "spent", "reserved", "left", ""], budgetRows,
                empty: "No key or team has a budget.",
                id: "budgets")
        return out
    }

    /// A table of groups with 30-day totals and a sparkline of daily cost, costliest first.
    private static func seriesTable(
        _ points: [UsageSeriesPoint], days: [String: Int], id: String, name: (String?) -> String
    ) -> String {
        struct Total {
            var group: String?
            var requests = 0, tokens = 0
            var cost: Int64 = 0
            var daily = [Double](repeating: 0, count: 30)
        }
        var totals: [String: Total] = [:]
        let noGroup = "\u{0}none"
        for point in points {
            let slot = point.summary.group ?? noGroup
            var total = totals[slot] ?? Total(group: point.summary.group)
            total.requests += point.summary.requests
            total.tokens += point.summary.tokensIn + point.summary.tokensOut
            total.cost += point.summary.costMicros
            if let index = days[point.day] { total.daily[index] += Double(point.summary.costMicros) / 1_000_000 }
            totals[slot] = total
        }
        let rows = totals.values.sorted { ($0.cost, $0.requests) > ($1.cost, $1.requests) }.map { total in
            [
                name(total.group), "<span class=\"num\">\(HTML.number(total.requests))</span>",
                "<span class=\"num\">\(HTML.number(total.tokens))</span>", HTML.usd(total.cost),
                SVGChart.sparkline(total.daily, title: "cost per day"),
            ]
        }
        return DashboardLayout.table(
            ["", "requests", "tokens", "cost", "cost per day"], rows, empty: "No usage in these 30 days.", id: id)
    }

    private static func budgetRow(_ scope: String, _ status: BudgetStatus) -> [String] {
        let limit = status.limitMicros ?? 0
        let used = status.spentMicros + status.reservedMicros
        let left = max(limit - used, 0)
        return [
            scope, HTML.escape(status.period), HTML.usd(limit), HTML.usd(status.spentMicros),
            HTML.usd(status.reservedMicros),
            "<strong>\(HTML.usd(left))</strong>", SVGChart.meter(used: Double(used), limit: Double(limit)),
        ]
    }
}
