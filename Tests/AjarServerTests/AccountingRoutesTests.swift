import AjarCore
import AjarGateway
import AjarStore
import Foundation
import Testing

/// Keys, rate limits, budgets, usage and the audit chain over real HTTP, on a real SQLite file.
@Suite("Keys, budgets and audit over HTTP")
struct AccountingRoutesTests {
    static let adminKey = "ajar-admin-test-key"
    static let models = """
          oa:
            price: {input: 10, output: 20}
            deployments:
              - provider: openai
                model: gpt-fake
          an:
            deployments:
              - provider: anthropic
                model: claude-fake
        """

    static func start(adminKey: String? = Self.adminKey) async throws -> (TestGateway, SQLiteStore, URL) {
        let (store, directory) = try TemporaryStore.make()
        let ajar = try await TestGateway.start(models: models, store: store, adminKey: adminKey)
        return (ajar, store, directory)
    }

    static func createKey(_ ajar: TestGateway, _ body: JSON) async throws -> (id: String, secret: String) {
        let reply = try await ajar.post("/api/admin/keys", json: body, headers: [("authorization", "Bearer \(adminKey)")])
        #expect(reply.status == 200, "\(reply.body)")
        let json = try #require(reply.json)
        return (try #require(json["id"]?.stringValue), try #require(json["secret"]?.stringValue))
    }

    @Test("with an admin key every request needs a key: 401 in each dialect, then 200 with a created key")
    func keysRequired() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer { Task { await ajar.stop(); try? FileManager.default.removeItem(at: directory) } }
        let missing = try await ajar.post("/v1/chat/completions", json: openAIChat("oa"))
        #expect(missing.status == 401)
        #expect(missing.json?["error"]?["type"]?.stringValue == "invalid_request_error" || missing.json?["error"]?["code"] != nil)
        let wrong = try await ajar.post("/v1/messages", json: anthropicChat("an"), headers: [("x-api-key", "ajar-sk-nope")])
        #expect(wrong.status == 401)
        #expect(wrong.json?["type"]?.stringValue == "error")
        #expect(wrong.json?["error"]?["type"]?.stringValue == "authentication_error")
        #expect(!wrong.body.contains("ajar-sk-nope"))

        // The admin API needs the admin key itself.
        #expect(try await ajar.post("/api/admin/keys", json: ["app": "x"]).status == 401)
        let key = try await Self.createKey(ajar, ["app": "support-bot", "team": "support"])
        let ok = try await ajar.post("/v1/chat/completions", json: openAIChat("oa"), headers: [("authorization", "Bearer \(key.secret)")])
        #expect(ok.status == 200, "\(ok.body)")
        let anthropic = try await ajar.post("/v1/messages", json: anthropicChat("an"), headers: [("x-api-key", key.secret)])
        #expect(anthropic.status == 200)

        // Listing never shows secrets; a revoked key stops working at once.
        let list = try await ajar.send(.GET, "/api/admin/keys", headers: [("authorization", "Bearer \(Self.adminKey)")])
        #expect(list.status == 200)
        #expect(!list.body.contains(key.secret))
        #expect(try await ajar.send(.DELETE, "/api/admin/keys/\(key.id)", headers: [("authorization", "Bearer \(Self.adminKey)")]).status == 200)
        let revoked = try await ajar.post("/v1/chat/completions", json: openAIChat("oa"), headers: [("authorization", "Bearer \(key.secret)")])
        #expect(revoked.status == 401)
    }

    @Test("a key limited to some models gets 403 for the others")
    func allowedModels() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer { Task { await ajar.stop(); try? FileManager.default.removeItem(at: directory) } }
        let key = try await Self.createKey(ajar, ["app": "a", "models": ["an"]])
        let auth = [("authorization", "Bearer \(key.secret)")]
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("an"), headers: auth).status == 200)
        let refused = try await ajar.post("/v1/chat/completions", json: openAIChat("oa"), headers: auth)
        #expect(refused.status == 403, "\(refused.body)")
    }

    @Test("rate limit: 429 with Retry-After in the dialect's format")
    func rateLimit() async throws {
        let (ajar, _, directory) = try await Self.start()
        defer { Task { await ajar.stop(); try? FileManager.default.removeItem(at: directory) } }
        let key = try await Self.createKey(ajar, ["app": "a", "rpm": 2])
        let auth = [("authorization", "Bearer \(key.secret)")]
        var statuses: [Int] = []
        var last: TestGateway.Reply?
        for _ in 0..<3 {
            let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("an"), headers: auth)
            statuses.append(reply.status)
            last = reply
        }
        #expect(statuses == [200, 200, 429])
        #expect(last?.headers.first(name: "retry-after") != nil)
        #expect(last?.json?["error"]?["type"]?.stringValue == "rate_limit_error" || last?.json?["error"]?["code"] != nil)
    }

    @Test("budgets cannot be overspent: 60 concurrent requests against a budget for 10 worst cases")
    func budget() async throws {
        let (ajar, store, directory) = try await Self.start()
        defer { Task { await ajar.stop(); try? FileManager.default.removeItem(at: directory) } }
        // Worst case reserved per request: prompt ≈ 4 tokens × $10/M + max_tokens 10 × $20/M = 240 µUSD;
        // the fake's true cost is about half that. The budget covers 10 worst cases.
        let key = try await Self.createKey(ajar, ["app": "a", "budget": "0.0024/day"])
        let auth = [("authorization", "Bearer \(key.secret)")]
        let body = openAIChat("oa", "hi", extra: ["max_tokens": 10])
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<60 {
                group.addTask { try await ajar.post("/v1/chat/completions", json: body, headers: auth).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let ok = statuses.filter { $0 == 200 }.count
        #expect(ok + statuses.filter { $0 == 429 }.count == 60, "\(statuses)")
        #expect(ok >= 10 && ok < 60, "\(ok) answered")
        // Spend the rest one by one until the budget refuses.
        var refused: TestGateway.Reply?
        for _ in 0..<40 {
            let reply = try await ajar.post("/v1/chat/completions", json: body, headers: auth)
            if reply.status != 200 {
                refused = reply
                break
            }
        }
        #expect(refused?.status == 429)
        #expect(refused?.json?["error"]?["type"]?.stringValue == "insufficient_quota")
        let status = try #require(try await store.budgetStatus(scope: BudgetScope.key(key.id), at: Date()))
        #expect(status.spentMicros <= 2_400, "spent \(status.spentMicros) µUSD of 2400")
        #expect(status.spentMicros > 2_400 - 240, "a refusal only when less than one worst case is left")
        #expect(status.reservedMicros == 0)
    }

    @Test("every request is in the audit chain and usage; the chain verifies; tampering is named")
    func auditAndUsage() async throws {
        let (ajar, store, directory) = try await Self.start(adminKey: nil)  // local tool mode: no keys needed
        defer { Task { await ajar.stop(); try? FileManager.default.removeItem(at: directory) } }
        var ids: [String] = []
        for text in ["one", "two", "mail me at x@example.com"] {
            let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("oa", text))
            #expect(reply.status == 200)
            ids.append(reply.headers.first(name: "x-ajar-request-id") ?? "")
        }
        let stream = try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "streamed", stream: true))
        #expect(stream.status == 200)
        ids.append(stream.headers.first(name: "x-ajar-request-id") ?? "")
        let verification = try await store.verifyAudit()
        #expect(verification.isIntact)
        #expect(verification.checked == 4)
        let lines = try await store.exportAudit(from: nil, to: nil)
        for id in ids { #expect(lines.contains { $0.contains(id) }, "\(id) audited") }
        #expect(!lines.joined().contains("x@example.com"))  // classes, never values

        let usage = try await ajar.send(.GET, "/api/usage?group_by=model")
        #expect(usage.status == 200)
        let row = usage.json?["data"]?.arrayValue?.first { $0["group"]?.stringValue == "oa" }
        #expect(row?["requests"]?.intValue == 4)
        #expect((row?["cost_usd"]?.doubleValue ?? 0) > 0)
        #expect(try await ajar.send(.GET, "/api/usage?group_by=planet").status == 400)
    }
}
