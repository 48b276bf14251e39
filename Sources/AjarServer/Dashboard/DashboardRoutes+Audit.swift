import AjarCore
import AjarGateway
import AjarStore
import Foundation
import Hummingbird

extension DashboardRoutes {
    /// The audit chain, newest first: filters (time range, key, app, status, kind), pages cut by
    /// seq, and on request (`verify=1`) a verification of the whole chain with the time it took.
    func audit(_ request: Request, _ viewer: Viewer) async throws -> String {
        let accountant = try accountant()
        let parameters = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let raw = parameters[Substring(name)] else { return nil }
            let text = String(raw).trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        var query = AuditQuery(limit: 50)
        if let text = value("from") {
            guard let date = AdminRoutes.date(text) else {
                throw DashboardProblem(
                    status: .badRequest, text: "'from' must be an ISO 8601 date or time, e.g. 2026-12-01.")
            }
            query.from = date
        }
        if let text = value("to") {
            guard let date = AdminRoutes.date(text) else {
                throw DashboardProblem(
                    status: .badRequest, text: "'to' must be an ISO 8601 date or time, e.g. 2026-12-02.")
            }
            query.to = date
        }
        query.keyID = value("key")
        query.app = value("app")
        if let text = value("kind") {
            guard let kind = AuditRecord.Kind(rawValue: text) else {
                throw DashboardProblem(status: .badRequest, text: "'kind' must be request or admin.")
            }
            query.kind = kind
        }
        if let text = value("status") {
            guard let range = Self.statusRange(text) else {
                throw DashboardProblem(
                    status: .badRequest,
                    text: "'status' must be a status code (403), a class (2xx, 4xx, 5xx) or 'error'.")
            }
            query.status = range
        }
        if let text = value("before") {
            guard let seq = Int64(text), seq > 0 else {
                throw DashboardProblem(status: .badRequest, text: "'before' must be a sequence number.")
            }
            query.cursor = .before(seq)
        } else if let text = value("after") {
            guard let seq = Int64(text), seq >= 0 else {
                throw DashboardProblem(status: .badRequest, text: "'after' must be a sequence number.")
            }
            query.cursor = .after(seq)
        }
        let page = try await accountant.store.listAudit(query)

        var verification = ""
        if value("verify") != nil {
            let started = ContinuousClock.now
            let result = try await accountant.store.verifyAudit()
            let elapsed = started.duration(to: .now)
            let ms =
                Int(elapsed.components.seconds * 1000) + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
            if let breakage = result.firstBreak {
                verification =
                    "<p class=\"bad\" id=\"verify-result\">The chain is broken: \(HTML.escape(breakage.description)) "
                    + "(\(HTML.number(Int(result.checked))) records checked before it, \(ms) ms).</p>"
            } else {
                verification =
                    "<p class=\"ok\" id=\"verify-result\">The chain is intact: \(HTML.number(Int(result.checked))) records, "
                    + "head \(result.headSeq) <code>\(HTML.escape(result.headHash))</code>, verified in \(ms) ms.</p>"
            }
        }

        if !page.damaged.isEmpty {
            let seqs = page.damaged.map(String.init).joined(separator: ", ")
            verification +=
                "<p class=\"bad\" id=\"damaged-records\">Record \(seqs) on this page cannot be read: it is not a "
                + "record the gateway wrote. Verify the chain to see what happened.</p>"
        }

        // The filter as query text, for the pager and verify links.
        var kept: [(String, String)] = []
        for name in ["from", "to", "key", "app", "status", "kind"] {
            if let text = value(name) { kept.append((name, text)) }
        }
        func link(_ extra: [(String, String)]) -> String {
            let all = kept + extra
            return "/ui/audit"
                + (all.isEmpty ? "" : "?" + all.map { "\($0.0)=\(HTML.queryComponent($0.1))" }.joined(separator: "&"))
        }
        var pager: [String] = []
        if page.hasNewer, let first = page.firstSeq {
            pager.append("<a href=\"\(HTML.escape(link([("after", String(first))])))\" rel=\"prev\">← Newer</a>")
            pager.append("<a href=\"\(HTML.escape(link([])))\">Newest</a>")
        }
        if page.hasOlder, let last = page.lastSeq {
            pager.append("<a href=\"\(HTML.escape(link([("before", String(last))])))\" rel=\"next\">Older →</a>")
        }
        let rows: [[String]] = page.entries.map { entry in
            let record = entry.record
            let what =
                record.kind == .admin
                ? HTML.escape(record.action ?? "admin")
                : [record.modelRequested, record.modelServed].compactMap { $0.map(HTML.escape) }.joined(
                    separator: " → ")
            return [
                "<span class=\"num\">\(entry.seq)</span>", HTML.escape(HTML.time(record.time)),
                HTML.escape(record.kind.rawValue),
                "<code>\(HTML.escape(record.requestID))</code>", HTML.escape(record.keyID ?? ""),
                HTML.escape(record.app ?? ""),
                what, String(record.status), HTML.escape(record.dataClasses.joined(separator: ", ")),
                record.costMicros.map(HTML.usd) ?? "",
                "<code title=\"\(HTML.escape(entry.hash))\">\(HTML.escape(String(entry.hash.prefix(12))))</code>",
            ]
        }
        let kind = value("kind")
        func option(_ name: String, _ label: String) -> String {
            "<option value=\"\(name)\"\(kind == name ? " selected" : "")>\(label)</option>"
        }
        return """
            <h1>Audit</h1>
            <form method="get" action="/ui/audit" class="filters" id="audit-filters">
            <label>From <input name="from" value="\(HTML.escape(value("from") ?? ""))" placeholder="2026-12-01"></label>
            <label>To <input name="to" value="\(HTML.escape(value("to") ?? ""))" placeholder="2026-12-02T12:00:00Z"></label>
            <label>Key <input name="key" value="\(HTML.escape(value("key") ?? ""))" placeholder="key_…"></label>
            <label>App <input name="app" value="\(HTML.escape(value("app") ?? ""))"></label>
            <label>Status <input name="status" value="\(HTML.escape(value("status") ?? ""))" placeholder="200, 4xx, error"></label>
            <label>Kind <select name="kind"><option value="">any</option>\(option("request", "request"))\(option("admin", "admin"))</select></label>
            <button type="submit">Filter</button> <a href="/ui/audit">Clear</a></form>
            <p><a href="\(HTML.escape(link([("verify", "1")])))" id="verify-link">Verify the whole chain</a> \
            (reads every record; on a large log this takes a while)</p>\(verification)
            \(DashboardLayout.table(["seq", "time", "kind", "request", "key", "app", "model / action", "status", "data classes", "cost", "hash"], rows, empty: "No audit records match.", id: "audit-table"))
            <div class="pager">\(pager.joined(separator: " "))</div>
            """
    }

    /// `403` → 403...403, `4xx` → 400...499, `error` → 400...599.
    static func statusRange(_ text: String) -> ClosedRange<Int>? {
        let lowered = text.lowercased()
        if lowered == "error" || lowered == "errors" { return 400...599 }
        if lowered.count == 3, lowered.hasSuffix("xx"), let digit = lowered.first?.wholeNumberValue,
            (1...5).contains(digit)
        {
            return (digit * 100)...(digit * 100 + 99)
        }
        if let code = Int(lowered), (100...599).contains(code) { return code...code }
        return nil
    }
}
