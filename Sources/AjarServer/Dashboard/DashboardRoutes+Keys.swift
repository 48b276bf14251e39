import AjarCore
import AjarGateway
import AjarStore
import Foundation

extension DashboardRoutes {
    /// The keys (never their secrets), a form to create one and a revoke button per key.
    func keys(_ viewer: Viewer, created: String = "") async throws -> String {
        let accountant = try accountant()
        let keys = try await accountant.store.listKeys(includeRevoked: true)
        let rows: [[String]] = keys.map { key in
            let revoke =
                key.isRevoked
                ? "revoked \(HTML.escape(key.revokedAt.map(HTML.time) ?? ""))"
                : """
                <form method="post" action="/ui/keys/\(HTML.queryComponent(key.id))/revoke" class="revoke">\
                \(DashboardLayout.csrfField(viewer.csrf))<button type="submit" class="danger" \
                data-key="\(HTML.escape(key.id))">Revoke</button></form>
                """
            let budget = key.budget.map { "\(HTML.usd($0.amountMicros))/\($0.period.rawValue)" } ?? ""
            let limits = [
                key.rateLimits.requestsPerMinute.map { "\($0) rpm" },
                key.rateLimits.tokensPerMinute.map { "\($0) tpm" },
            ].compactMap { $0 }.joined(separator: ", ")
            return [
                "<code>\(HTML.escape(key.id))</code>", "<code>\(HTML.escape(key.prefix))…</code>", HTML.escape(key.app),
                HTML.escape(key.team ?? ""), HTML.escape(Accountant.tier(of: key) ?? "default"),
                HTML.escape(key.allowedModels?.joined(separator: ", ") ?? "all"), HTML.escape(budget),
                HTML.escape(limits),
                HTML.escape(HTML.time(key.createdAt)), revoke,
            ]
        }
        return """
            <h1>Keys</h1>\(created)
            <h2>Create a key</h2>
            <form method="post" action="/ui/keys" class="create" id="create-key">\(DashboardLayout.csrfField(viewer.csrf))
            <label>App <input name="app" required maxlength="200"></label>
            <label>Team <input name="team" maxlength="200"></label>
            <label>Tier <input name="tier" placeholder="policy default" maxlength="100"></label>
            <label>Models <input name="models" placeholder="all (or a,b)"></label>
            <label>Budget <input name="budget" placeholder="50/month"></label>
            <label>Requests/min <input name="rpm" inputmode="numeric"></label>
            <label>Tokens/min <input name="tpm" inputmode="numeric"></label>
            <button type="submit">Create key</button></form>
            <h2>All keys (\(keys.count))</h2>
            \(DashboardLayout.table(["id", "prefix", "app", "team", "tier", "models", "budget", "limits", "created", ""], rows, empty: "No keys yet.", id: "keys-table"))
            """
    }

    /// Creates a key from the form, audits it like the admin API does, and shows the secret once.
    func createKey(_ viewer: Viewer, _ fields: [String: String], context: FormContext) async throws -> String {
        let accountant = try accountant()
        func field(_ name: String) -> String? {
            let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return value.isEmpty ? nil : value
        }
        guard let app = field("app") else {
            throw DashboardProblem(status: .badRequest, text: "An app name is required.")
        }
        var budget: Budget?
        if let text = field("budget") {
            guard let parsed = Budget(parsing: text) else {
                throw DashboardProblem(
                    status: .badRequest, text: "The budget must read like 50/month or 2.5/day (USD).")
            }
            budget = parsed
        }
        func limit(_ name: String) throws -> Int? {
            guard let text = field(name) else { return nil }
            guard let value = Int(text), value > 0 else {
                throw DashboardProblem(status: .badRequest, text: "\(name) must be a positive whole number.")
            }
            return value
        }
        let models = field("models").map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let key = NewKey(
            app: app, team: field("team"), tier: field("tier") ?? Accountant.defaultTierMarker, allowedModels: models,
            rateLimits: RateLimits(requestsPerMinute: try limit("rpm"), tokensPerMinute: try limit("tpm")),
            budget: budget)
        let created = try await accountant.createKey(key, requestID: context.requestID)
        let shown = """
            <section class="notice" id="created-key"><h2>Key created for \(HTML.escape(created.record.app))</h2>
            <p>Copy the secret now: it is shown only this once, and only its hash is stored.</p>
            <p class="secret mono" id="new-secret">\(HTML.escape(created.secret.value))</p>
            <p>Id <code>\(HTML.escape(created.record.id))</code></p></section>
            """
        return try await keys(viewer, created: shown)
    }

    /// Revokes a key the way the admin API does (the key stops working at once, the action is
    /// audited) and shows the list again.
    func revokeKey(_ id: String, _ viewer: Viewer, context: FormContext) async throws -> String {
        let accountant = try accountant()
        // Through the accountant: it drops its cached keys at once and audits the revocation.
        let record = try await accountant.revokeKey(id: id, requestID: context.requestID)
        let note =
            "<p class=\"notice\" id=\"revoked-key\">Revoked <code>\(HTML.escape(record.id))</code> (\(HTML.escape(record.app))).</p>"
        return try await keys(viewer, created: note)
    }
}
