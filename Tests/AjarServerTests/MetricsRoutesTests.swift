import AjarCore
import AjarStore
import Foundation
import Testing

/// `GET /metrics` over real HTTP, after real requests through the gateway.
@Suite("Prometheus metrics")
struct MetricsRoutesTests {
    static let models = """
          oa:
            price: {input: 1000, output: 2000}
            deployments:
              - provider: openai
                model: gpt-4o-mini
          fallback:
            deployments:
              - provider: openai
                model: error-500
              - provider: anthropic
                model: claude-fallback
        """

    /// The value of the sample line whose name and labels are exactly these, if any.
    static func sample(_ text: String, _ name: String, _ labels: [(String, String)]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            if labels.allSatisfy({ series.contains("\($0.0)=\"\($0.1)\"") }) { return Double(line[line.index(after: space)...]) }
        }
        return nil
    }

    @Test("requests, latency, tokens, cost, fallbacks, upstream errors, breaker state and policy actions are counted")
    func counts() async throws {
        let ajar = try await TestGateway.start(models: Self.models, extra: PolicyRoutesTests.policy)
        defer { Task { await ajar.stop() } }
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "hello metrics")).status == 200)
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "again")).status == 200)
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("fallback", "hi")).status == 200)
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "mail jane@example.com")).status == 200)
        #expect(try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "key AKIAIOSFODNN7EXAMPLE")).status == 403)

        let reply = try await ajar.send(.GET, "/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
        let text = reply.body
        #expect(Self.sample(text, "ajar_requests_total", [("model", "oa"), ("provider", "openai"), ("app", "default"), ("status", "200")]) == 3)
        #expect(Self.sample(text, "ajar_request_duration_seconds_count", [("model", "oa"), ("provider", "openai")]) == 3)
        let input = try #require(Self.sample(text, "ajar_tokens_total", [("model", "oa"), ("direction", "input")]))
        let output = try #require(Self.sample(text, "ajar_tokens_total", [("model", "oa"), ("direction", "output")]))
        #expect(input > 0 && output > 0)
        let cost = try #require(Self.sample(text, "ajar_cost_usd_total", [("model", "oa"), ("hosting", "vendor")]))
        #expect(abs(cost - (input * 1000 + output * 2000) / 1_000_000) < 1e-9)
        #expect(Self.sample(text, "ajar_fallbacks_total", [("model", "fallback")]) == 1)
        #expect((Self.sample(text, "ajar_upstream_errors_total", [("deployment", "openai/error-500")]) ?? 0) >= 1)
        #expect(Self.sample(text, "ajar_circuit_breaker_state", [("deployment", "anthropic/claude-fallback")]) == 0)
        #expect(Self.sample(text, "ajar_policy_actions_total", [("data_class", "email"), ("action", "pseudonymise")]) == 1)
        #expect(Self.sample(text, "ajar_policy_refusals_total", [("app", "default"), ("code", "policy_data_blocked")]) == 1)
        // Never a secret or a value.
        #expect(!text.contains("AKIA") && !text.contains("jane@") && !text.contains("sk-test"))
    }

    @Test("once an admin key is set, a scrape must send it")
    func adminKey() async throws {
        try await TemporaryStore.with { store in
            let ajar = try await TestGateway.start(models: Self.models, store: store, adminKey: "metrics-admin")
            defer { Task { await ajar.stop() } }
            #expect(try await ajar.send(.GET, "/metrics").status == 401)
            #expect(try await ajar.send(.GET, "/metrics", headers: [("authorization", "Bearer wrong")]).status == 401)
            #expect(try await ajar.send(.GET, "/metrics", headers: [("authorization", "Bearer metrics-admin")]).status == 200)
        }
    }
}
