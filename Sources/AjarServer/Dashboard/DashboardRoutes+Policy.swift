import AjarCore
import AjarGateway
import AjarStore
import Foundation

extension DashboardRoutes {
    /// Data classes found per day, the actions taken on them, refusals, the latest decision
    /// traces (all from the audit records), and a form that explains a pasted request.
    func policy(_ viewer: Viewer) async throws -> String {
        var out = "<h1>Policy</h1>"
        if let accountant = gateway.accountant {
            out += try await policyHistory(accountant.store)
        } else {
            out +=
                "<p class=\"notice\">No store is configured (storage: none), so there are no audit records to summarise.</p>"
        }
        let sample = """
            {
              "model": "\(gateway.config.models.first?.alias ?? "MODEL")",
              "messages": [{"role": "user", "content": "Write to jane.doe@example.com about IBAN DE89 3704 0044 0532 0130 00"}]
            }
            """
        var tierNames = ["unacceptable", "high", "limited", "minimal"]
        for name in gateway.config.policy.tiers.keys.sorted() where !tierNames.contains(name) { tierNames.append(name) }
        let tiers = tierNames.map { "<option value=\"\(HTML.escape($0))\">\(HTML.escape($0))</option>" }.joined()
        out += """
            <h2>Explain a request</h2>
            <p>Paste an OpenAI chat-completions request: the policy's plan for it (as the admin) appears below. Nothing is sent to a model.</p>
            <form id="explain-form"><textarea id="explain-body" name="body" spellcheck="false">\(HTML.escape(sample))</textarea>
            <label>As tier <select id="explain-tier" name="tier"><option value="">the admin's (policy default)</option>\(tiers)</select></label>
            <button type="submit">Explain</button></form>
            <pre id="explain-result" aria-live="polite"></pre>
            """
        return out
    }

    private func policyHistory(_ store: any GatewayStore) async throws -> String {
        let end = Self.startOfDay(Date()).addingTimeInterval(86_400)
        let start = end.addingTimeInterval(-30 * 86_400)
        let days = (0..<30).map { BudgetPeriod.day.key(for: start.addingTimeInterval(Double($0) * 86_400 + 1)) }
        let dayIndex = Dictionary(days.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = try await store.auditPolicySummary(from: start, to: end)

        var classTotals: [String: Int] = [:]
        var classDaily: [String: [Double]] = [:]
        var actionTotals: [String: Int] = [:]
        var classActions: [String: Int] = [:]
        var refusals: [String: Int] = [:]
        for group in groups {
            for dataClass in group.dataClasses {
                classTotals[dataClass, default: 0] += group.count
                if let index = dayIndex[group.day] {
                    classDaily[dataClass, default: [Double](repeating: 0, count: 30)][index] += Double(group.count)
                }
            }
            let actions = Self.actions(in: group.decision)
            for (dataClass, action) in actions {
                actionTotals[action, default: 0] += group.count
                classActions["\(dataClass)\u{0}\(action)", default: 0] += group.count
            }
            if group.status == 403 {
                refusals[group.decision ?? "(no reason recorded)", default: 0] += group.count
                if actions.isEmpty { actionTotals["refused", default: 0] += group.count }
            }
        }
        let ranked = classTotals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var series = ranked.prefix(5).map { SVGChart.Series(name: $0.key, values: classDaily[$0.key] ?? []) }
        if ranked.count > 5 {
            var rest = [Double](repeating: 0, count: 30)
            for (name, _) in ranked.dropFirst(5) {
                for (index, value) in (classDaily[name] ?? []).enumerated() { rest[index] += value }
            }
            series.append(.init(name: "other classes", values: rest))
        }
        let actionNames: [(String, String)] = [
            ("keep-local", "kept local"), ("pseudonymise", "pseudonymised"), ("redact", "redacted"),
            ("block", "blocked"),
            ("refused", "refused (403)"), ("allow", "allowed as is"),
        ]
        let actionRows: [[String]] = actionNames.compactMap { key, label in
            guard let count = actionTotals[key] else { return nil }
            return [HTML.escape(label), "<span class=\"num\">\(HTML.number(count))</span>"]
        }
        let classRows: [[String]] = classActions.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { key, count in
            let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            return [
                HTML.escape(parts.first ?? ""), HTML.escape(parts.count > 1 ? parts[1] : ""),
                "<span class=\"num\">\(HTML.number(count))</span>",
            ]
        }
        let refusalRows: [[String]] = refusals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(20).map {
            [HTML.escape($0.key), "<span class=\"num\">\(HTML.number($0.value))</span>"]
        }
        var out =
            "<p>The last 30 days, \(HTML.escape(days.first ?? "")) to \(HTML.escape(days.last ?? "")) (UTC), from the audit log.</p>"
        out +=
            series.isEmpty
            ? "<p class=\"empty\" id=\"classes-chart\">No data classes found in these 30 days.</p>"
            : SVGChart.stackedBars(
                id: "classes-chart", title: "Requests with sensitive data, per day and class", labels: days,
                series: series,
                format: { HTML.number(Int($0.rounded())) })
        out +=
            "<div class=\"columns\"><section><h2>Actions taken</h2>"
            + DashboardLayout.table(
                ["action", "requests"], actionRows, empty: "No policy action in these 30 days.", id: "actions-table")
            + "</section><section><h2>By class</h2>"
            + DashboardLayout.table(
                ["data class", "action", "requests"], classRows, empty: "No data classes found.", id: "class-actions")
            + "</section></div>"
        out +=
            "<h2>Refusals (403)</h2>"
            + DashboardLayout.table(["reason", "requests"], refusalRows, empty: "No refusals.", id: "refusals")

        let latest = try await store.listAudit(AuditQuery(kind: .request, limit: 20))
        let traceRows: [[String]] = latest.entries.map { entry in
            let record = entry.record
            return [
                HTML.escape(HTML.time(record.time)), "<code>\(HTML.escape(record.requestID))</code>",
                HTML.escape(record.app ?? ""),
                HTML.escape(record.modelRequested ?? ""), String(record.status),
                HTML.escape(record.dataClasses.joined(separator: ", ")),
                "<code>\(HTML.escape(record.decision ?? ""))</code>",
            ]
        }
        out +=
            "<h2>Latest decisions</h2>"
            + DashboardLayout.table(
                ["time", "request", "app", "model", "status", "classes", "decision"], traceRows,
                empty: "No requests yet.",
                id: "latest-decisions")
        return out
    }

    /// `class → action` pairs from a decision trace's `actions=email:pseudonymise,iban:block` part.
    static func actions(in decision: String?) -> [(String, String)] {
        guard let decision else { return [] }
        for part in decision.split(separator: ";") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("actions=") else { continue }
            return trimmed.dropFirst("actions=".count).split(separator: ",").compactMap { pair in
                let sides = pair.split(separator: ":", maxSplits: 1)
                guard sides.count == 2 else { return nil }
                return (String(sides[0]), String(sides[1]))
            }
        }
        return []
    }
}
