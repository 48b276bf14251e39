import AjarCore
import AjarGateway
import AjarStore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The web dashboard over real loopback HTTP, with a real SQLite store: login and sessions,
/// every page's content, escaping, CSRF, and keys created and revoked through the forms.
@Suite("The dashboard at /ui")
struct DashboardRoutesTests {
    static let adminKey = "ajar-admin-dashboard-test-key"
    static let models = """
          oa:
            price: {input: 10, output: 20}
            deployments:
              - provider: openai
                model: gpt-fake
          open-chat:
            openness: {weights: open, code: open, training_data: open, documentation: open, licence: Apache-2.0}
            provenance: {sha256: 5f1c0ffee0ddba11, base_model: tiny-base}
            deployments:
              - provider: anthropic
                model: claude-fake
        """
    static let policy = """
        policy:
          data:
            email: pseudonymise
            iban: block
        """

    static func start(adminKey: String? = Self.adminKey) async throws -> (TestGateway, SQLiteStore, URL) {
        let (store, directory) = try TemporaryStore.make()
        let ajar = try await TestGateway.start(models: models, extra: policy, store: store, adminKey: adminKey)
        return (ajar, store, directory)
    }

    /// A client that does not follow redirects, so the tests see them.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    static func send(
        _ ajar: TestGateway, _ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil,
        cookie: String? = nil, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(ajar.port)\(path)")
        request.method = method
        if let cookie { request.headers.add(name: "cookie", value: cookie) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
            let text = form.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: text))
        } else if let body {
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// Logs in through the form and returns the session cookie (`ajar_session=…`).
    static func login(_ ajar: TestGateway) async throws -> String {
        let reply = try await send(ajar, .POST, "/ui/login", form: [("key", adminKey), ("next", "/ui/keys")])
        #expect(reply.status == 303)
        #expect(reply.headers["location"].first == "/ui/keys")
        let setCookie = try #require(reply.headers["set-cookie"].first)
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        #expect(!setCookie.contains(adminKey))
        return try #require(setCookie.split(separator: ";").first.map(String.init))
    }

    /// The CSRF token in a page's forms.
    static func csrf(_ page: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker))
        let rest = page[start.upperBound...]
        let end = try #require(rest.firstIndex(of: "\""))
        return String(rest[..<end])
    }

    static func chat(_ ajar: TestGateway, key: String, model: String = "oa", text: String = "hello there") async throws
        -> Int
    {
        try await ajar.post(
            "/v1/chat/completions", json: openAIChat(model, text), headers: [("authorization", "Bearer \(key)")]
        ).status
    }

    static func createKey(_ ajar: TestGateway, app: String) async throws -> (id: String, secret: String) {
        let reply = try await ajar.post(
            "/api/admin/keys", json: ["app": .string(app), "team": "care"],
            headers: [("authorization", "Bearer \(adminKey)")])
        let json = try #require(reply.json)
        return (try #require(json["id"]?.stringValue), try #require(json["secret"]?.stringValue))
    }

    @Test("pages redirect to the login form without a session; a wrong key is refused")
    func loginRequired() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        for path in ["/ui", "/ui/models", "/ui/spend", "/ui/policy", "/ui/audit", "/ui/keys"] {
            let reply = try await Self.send(ajar, .GET, path)
            #expect(reply.status == 303, "\(path)")
            #expect(reply.headers["location"].first == "/ui/login?next=\(Self.encode(path))", "\(path)")
        }
        let filtered = try await Self.send(ajar, .GET, "/ui/audit?app=x&status=4xx")
        #expect(filtered.headers["location"].first == "/ui/login?next=\(Self.encode("/ui/audit?app=x&status=4xx"))")
        let form = try await Self.send(ajar, .GET, "/ui/login?next=/ui/audit")
        #expect(form.status == 200)
        #expect(form.body.contains("name=\"key\"") && form.body.contains("value=\"/ui/audit\""))
        let wrong = try await Self.send(ajar, .POST, "/ui/login", form: [("key", "not-the-key")])
        #expect(wrong.status == 401)
        #expect(wrong.headers["set-cookie"].isEmpty)
        #expect(wrong.body.contains("That is not the admin key."))
        // A forged or tampered cookie is no session.
        let forged = try await Self.send(ajar, .GET, "/ui/models", cookie: "ajar_session=v1.99999999999.deadbeef")
        #expect(forged.status == 303)
        let cookie = try await Self.login(ajar)
        let tampered = cookie.replacingOccurrences(of: "v1.", with: "v1.1")
        #expect(try await Self.send(ajar, .GET, "/ui/models", cookie: tampered).status == 303)
        #expect(try await Self.send(ajar, .GET, "/ui/models", cookie: cookie).status == 200)
        // An off-site redirect target is replaced by the dashboard.
        let offsite = try await Self.send(
            ajar, .POST, "/ui/login", form: [("key", Self.adminKey), ("next", "//evil.example/")])
        #expect(offsite.headers["location"].first == "/ui")
        #expect(offsite.headers["set-cookie"].first?.contains("Secure") == false)
        // Behind a TLS-terminating proxy the cookie is Secure.
        let proxied = try await Self.send(
            ajar, .POST, "/ui/login", form: [("key", Self.adminKey)], headers: [("x-forwarded-proto", "https")])
        #expect(proxied.headers["set-cookie"].first?.hasSuffix("; Secure") == true)
        // The admin key as a bearer token works without a session; a wrong one does not.
        #expect(
            try await Self.send(ajar, .GET, "/ui/keys", headers: [("authorization", "Bearer \(Self.adminKey)")]).status
                == 200)
        #expect(try await Self.send(ajar, .GET, "/ui/keys", headers: [("authorization", "Bearer nope")]).status == 401)
    }

    @Test("each page shows its data: models, spend, policy, audit, keys")
    func pages() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        let key = try await Self.createKey(ajar, app: "support-bot")
        #expect(try await Self.chat(ajar, key: key.secret) == 200)
        #expect(
            try await Self.chat(ajar, key: key.secret, model: "open-chat", text: "mail jane@example.com please") == 200)
        #expect(try await Self.chat(ajar, key: key.secret, text: "pay to DE89 3704 0044 0532 0130 00") == 403)
        let cookie = try await Self.login(ajar)

        let models = try await Self.send(ajar, .GET, "/ui/models", cookie: cookie)
        #expect(models.status == 200)
        #expect(models.headers["content-security-policy"].first?.contains("script-src 'self'") == true)
        #expect(models.body.contains("data-alias=\"oa\"") && models.body.contains("data-alias=\"open-chat\""))
        #expect(models.body.contains("badge open-science") && models.body.contains("badge closed"))
        #expect(models.body.contains("licence Apache-2.0") && models.body.contains("5f1c0ffee0ddba11"))
        #expect(models.body.contains("openai/gpt-fake") && models.body.contains("breaker closed"))
        #expect(models.body.contains("in $10 · out $20 per million tokens"))
        #expect(models.body.contains("1 requests"))
        // Open models in their own column, closed in theirs.
        let open = try #require(models.body.range(of: "id=\"open-models\""))
        let closed = try #require(models.body.range(of: "id=\"closed-models\""))
        let openChat = try #require(models.body.range(of: "data-alias=\"open-chat\""))
        let oa = try #require(models.body.range(of: "data-alias=\"oa\""))
        #expect(
            open.lowerBound < openChat.lowerBound && openChat.lowerBound < closed.lowerBound
                && closed.lowerBound < oa.lowerBound)
        #expect(try await Self.send(ajar, .GET, "/ui", cookie: cookie).body.contains("data-alias=\"open-chat\""))

        let spend = try await Self.send(ajar, .GET, "/ui/spend", cookie: cookie)
        #expect(spend.status == 200)
        #expect(spend.body.contains("id=\"cost-chart\"") && spend.body.contains("<svg"))
        #expect(spend.body.contains("id=\"spend-by-key\"") && spend.body.contains(key.id))
        #expect(spend.body.contains("support-bot"))
        #expect(spend.body.contains("id=\"spend-by-team\"") && spend.body.contains("care"))

        let policy = try await Self.send(ajar, .GET, "/ui/policy", cookie: cookie)
        #expect(policy.status == 200)
        #expect(policy.body.contains("id=\"classes-chart\""))
        #expect(policy.body.contains("pseudonymised"))
        #expect(policy.body.contains("actions=email:pseudonymise"))
        #expect(policy.body.contains("id=\"explain-form\""))
        // The history never shows a value (the explain form's sample text below it is the page's own).
        let history = try #require(policy.body.components(separatedBy: "<h2>Explain a request</h2>").first)
        #expect(!history.contains("jane@example.com") && !history.contains("DE89"))
        // The blocked request is among the refusals, by its reason (classes named, never values).
        let refusals = try #require(policy.body.range(of: "id=\"refusals\""))
        #expect(policy.body[refusals.lowerBound...].contains("iban"))

        let audit = try await Self.send(ajar, .GET, "/ui/audit", cookie: cookie)
        #expect(audit.status == 200)
        #expect(audit.body.contains("key.created") && audit.body.contains("open-chat"))
        let verified = try await Self.send(ajar, .GET, "/ui/audit?verify=1", cookie: cookie)
        #expect(verified.body.contains("The chain is intact: 4 records"))

        let keys = try await Self.send(ajar, .GET, "/ui/keys", cookie: cookie)
        #expect(keys.status == 200)
        #expect(keys.body.contains(key.id) && !keys.body.contains(key.secret))
        for page in [models, spend, policy, audit, keys] { #expect(!page.body.contains(Self.adminKey)) }
    }

    @Test("the audit page filters, pages by seq and refuses bad filters with 400")
    func auditFilters() async throws {
        let (ajar, store, directory) = try await Self.start()
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        let key = try await Self.createKey(ajar, app: "filter-app")
        for index in 0..<60 {
            _ = try await store.appendAudit(
                AuditRecord(
                    kind: .request, time: Date(), requestID: "bulk-\(index)",
                    keyID: index % 2 == 0 ? key.id : "key_other",
                    app: index % 2 == 0 ? "filter-app" : "other", status: index % 3 == 0 ? 502 : 200, latencyMs: 1))
        }
        let cookie = try await Self.login(ajar)
        let first = try await Self.send(ajar, .GET, "/ui/audit", cookie: cookie)
        #expect(first.body.contains("bulk-59") && !first.body.contains("bulk-9<"))
        #expect(first.body.contains("?before=12\"") || first.body.contains("before=12\""))
        let older = try await Self.send(ajar, .GET, "/ui/audit?before=12", cookie: cookie)
        #expect(older.body.contains("bulk-9<") && older.body.contains("bulk-0<") && !older.body.contains("bulk-10<"))
        #expect(older.body.contains("after=11"))
        let filtered = try await Self.send(ajar, .GET, "/ui/audit?app=filter-app&status=5xx", cookie: cookie)
        #expect(
            filtered.body.contains("bulk-54<") && !filtered.body.contains("bulk-57<")
                && !filtered.body.contains("bulk-58<"))
        let byKey = try await Self.send(ajar, .GET, "/ui/audit?key=\(key.id)&kind=request", cookie: cookie)
        #expect(
            byKey.body.contains("bulk-58<") && !byKey.body.contains("bulk-59<") && !byKey.body.contains("key.created"))
        for bad in ["status=abc", "kind=nonsense", "from=yesterday", "before=-3"] {
            let reply = try await Self.send(ajar, .GET, "/ui/audit?\(bad)", cookie: cookie)
            #expect(reply.status == 400, "\(bad)")
        }
    }

    @Test("hostile values from keys and requests are escaped, never markup")
    func escaping() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        let hostile = "<script>alert(1)</script>"
        let key = try await Self.createKey(ajar, app: hostile)
        _ = try await ajar.post(
            "/v1/chat/completions", json: openAIChat("\"><img src=x onerror=alert(2)>"),
            headers: [("authorization", "Bearer \(key.secret)")])
        let cookie = try await Self.login(ajar)
        for path in ["/ui/keys", "/ui/audit", "/ui/spend", "/ui/policy", "/ui/audit?app=%3Cscript%3E"] {
            let page = try await Self.send(ajar, .GET, path, cookie: cookie)
            #expect(!page.body.contains("<script>alert"), "\(path)")
            #expect(!page.body.contains("<img src=x"), "\(path)")
        }
        let keys = try await Self.send(ajar, .GET, "/ui/keys", cookie: cookie)
        #expect(keys.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("keys are created and revoked through the forms, with CSRF checked and the action audited")
    func createAndRevoke() async throws {
        let (ajar, store, directory) = try await Self.start()
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        let cookie = try await Self.login(ajar)
        let page = try await Self.send(ajar, .GET, "/ui/keys", cookie: cookie)
        let token = try Self.csrf(page.body)

        // Without the token, or with another, nothing happens.
        let missing = try await Self.send(ajar, .POST, "/ui/keys", form: [("app", "form-app")], cookie: cookie)
        #expect(missing.status == 403)
        let wrong = try await Self.send(
            ajar, .POST, "/ui/keys", form: [("app", "form-app"), ("csrf", (token.hasPrefix("0") ? "1" : "0") + token.dropFirst())], cookie: cookie)
        #expect(wrong.status == 403)
        #expect(try await store.listKeys(includeRevoked: true).isEmpty)

        let bad = try await Self.send(
            ajar, .POST, "/ui/keys", form: [("app", "x"), ("budget", "lots"), ("csrf", token)], cookie: cookie)
        #expect(bad.status == 400)
        #expect(bad.body.contains("50/month"))

        let created = try await Self.send(
            ajar, .POST, "/ui/keys",
            form: [("app", "form-app"), ("team", "ops"), ("budget", "5/day"), ("rpm", "100"), ("csrf", token)],
            cookie: cookie)
        #expect(created.status == 200, "\(created.body)")
        let keys = try await store.listKeys(includeRevoked: true)
        let record = try #require(keys.first)
        #expect(keys.count == 1 && record.app == "form-app" && record.team == "ops")
        #expect(
            record.budget == Budget(amountMicros: 5_000_000, period: .day) && record.rateLimits.requestsPerMinute == 100
        )
        // The secret is on this page, once.
        let secretStart = try #require(created.body.range(of: "id=\"new-secret\">"))
        let secret = String(created.body[secretStart.upperBound...].prefix { $0 != "<" })
        #expect(secret.hasPrefix("ajar-sk-"))
        #expect(try await Self.chat(ajar, key: secret) == 200)
        let list = try await Self.send(ajar, .GET, "/ui/keys", cookie: cookie)
        #expect(list.body.contains(record.id) && !list.body.contains(secret))

        let refused = try await Self.send(ajar, .POST, "/ui/keys/\(record.id)/revoke", form: [], cookie: cookie)
        #expect(refused.status == 403)
        let revoked = try await Self.send(
            ajar, .POST, "/ui/keys/\(record.id)/revoke", form: [("csrf", token)], cookie: cookie)
        #expect(revoked.status == 200)
        #expect(revoked.body.contains("id=\"revoked-key\""))
        #expect(try await Self.chat(ajar, key: secret) == 401)
        let unknown = try await Self.send(
            ajar, .POST, "/ui/keys/key_nope/revoke", form: [("csrf", token)], cookie: cookie)
        #expect(unknown.status == 404)

        let actions = try await store.listAudit(AuditQuery(kind: .admin)).entries.compactMap(\.record.action)
        #expect(actions == ["key.revoked", "key.created"])
        let export = try await store.exportAudit(from: nil, to: nil).joined(separator: "\n")
        #expect(!export.contains(secret) && !export.contains(Self.adminKey))

        // Logging out ends the session (the cookie is cleared).
        let logout = try await Self.send(ajar, .POST, "/ui/logout", form: [("csrf", token)], cookie: cookie)
        #expect(logout.status == 303)
        #expect(logout.headers["set-cookie"].first?.contains("Max-Age=0") == true)
    }

    @Test("the explain form's call passes the session's CSRF check and reaches /api/policy/explain")
    func explainForwarding() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        let cookie = try await Self.login(ajar)
        let page = try await Self.send(ajar, .GET, "/ui/policy", cookie: cookie)
        let token = try #require(page.body.range(of: "name=\"ajar-csrf\" content=\"")).upperBound
        let csrf = String(page.body[token...].prefix { $0 != "\"" })
        let body = openAIChat("oa", "hi jane@example.com").text
        let without = try await Self.send(ajar, .POST, "/ui/api/policy/explain", cookie: cookie, body: body)
        #expect(without.status == 403)
        let anonymous = try await Self.send(ajar, .POST, "/ui/api/policy/explain", body: body)
        #expect(anonymous.status == 401)
        let forwarded = try await Self.send(
            ajar, .POST, "/ui/api/policy/explain", cookie: cookie, headers: [("x-ajar-csrf", csrf)], body: body)
        #expect(forwarded.status == 200, "\(forwarded.status) \(forwarded.body)")
        let explanation = try #require(try? JSONParser.parse(forwarded.body))
        #expect(explanation["decision"]?.stringValue == "route")
        #expect(explanation["data_classes"]?.arrayValue?.compactMap(\.stringValue) == ["email"])
        // What a vendor would see: the address pseudonymised.
        let vendorText = explanation["vendor_messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        #expect(vendorText.contains("<EMAIL_1>") && !vendorText.contains("jane@example.com"))
        // The admin may ask as another tier; only `tier` and `dialect` are passed on.
        let unacceptable = try await Self.send(
            ajar, .POST, "/ui/api/policy/explain?tier=unacceptable&evil=1", cookie: cookie,
            headers: [("x-ajar-csrf", csrf)], body: body)
        #expect(unacceptable.status == 200)
        #expect((try? JSONParser.parse(unacceptable.body))?["decision"]?.stringValue == "refuse")
    }

    @Test("without an admin key the dashboard says how to set one; without a store, pages say so")
    func notConfigured() async throws {
        let (ajar, _, directory) = try await Self.start(adminKey: nil)
        defer {
            Task {
                await ajar.stop(); try? FileManager.default.removeItem(at: directory)
            }
        }
        for path in ["/ui", "/ui/login", "/ui/keys"] {
            let reply = try await Self.send(ajar, .GET, path)
            #expect(reply.status == 403, "\(path)")
            #expect(reply.body.contains("AJAR_ADMIN_KEY"), "\(path)")
        }
        #expect(try await Self.send(ajar, .POST, "/ui/login", form: [("key", "anything")]).status == 403)

        let noStore = try await TestGateway.start(models: Self.models, extra: "auth:\n  admin_key: \(Self.adminKey)")
        defer { Task { await noStore.stop() } }
        let cookie = try await Self.login(noStore)
        let keys = try await Self.send(noStore, .GET, "/ui/keys", cookie: cookie)
        #expect(keys.status == 503)
        #expect(keys.body.contains("No store is configured"))
        let models = try await Self.send(noStore, .GET, "/ui/models", cookie: cookie)
        #expect(models.status == 200 && models.body.contains("data-alias=\"open-chat\""))
        #expect(models.body.contains("No store is configured"))
    }
}
