import AjarCore
import AjarGateway
import AjarTesting
import Foundation
import Testing

/// The policy in the request path, over real HTTP: what a vendor receives, what the client gets
/// back, and what is refused — with the example `policy:` section as written.
@Suite("Policy in the request path")
struct PolicyRoutesTests {
    static let policy = """
        policy:
          default_tier: limited
          data:                     # data class -> action
            email: pseudonymise
            phone: pseudonymise
            payment_card: keep-local
            iban: keep-local
            secret: block
          tiers:
            high:
              hosting: [local, self-hosted]
              min_openness: open-weights
              audit_content: true
            unacceptable:
              refuse: true
        """
    /// A self-hosted OpenAI-compatible server (the same loopback fake, marked `self-hosted`).
    static func providers(port: Int = 0) -> String {
        """
          inhouse:
            type: openai
            hosting: self-hosted
            base_url: http://127.0.0.1:\(port)/v1
            api_key: sk-inhouse-test
        """
    }
    static let models = """
          oa:
            openness: {weights: closed, licence: proprietary}
            price: {input: 0.15, output: 0.6}
            deployments:
              - provider: openai
                model: gpt-fake
          mixed:
            deployments:
              - provider: openai
                model: gpt-fake
              - provider: inhouse
                model: llama-fake
        """

    /// Starts a gateway whose `inhouse` provider is a second loopback fake server, so what each
    /// side received can be told apart.
    static func start() async throws -> (TestGateway, inhouse: FakeVendorServer) {
        let inhouse = FakeVendorServer()
        let port = try await inhouse.start(port: 0)
        let ajar = try await TestGateway.start(models: models, extra: policy, providers: providers(port: port))
        return (ajar, inhouse)
    }

    static func sentToVendor(_ ajar: TestGateway) async -> String {
        await ajar.vendors.recordedRequests().map(\.bodyText).joined(separator: "\n")
    }

    @Test("an e-mail address is pseudonymised before the vendor sees it and restored in the answer")
    func pseudonymiseComplete() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "write to jane.doe@example.com today"))
        #expect(reply.status == 200, "\(reply.body)")
        let sent = await Self.sentToVendor(ajar)
        #expect(!sent.contains("jane.doe@example.com"))
        #expect(sent.contains("<EMAIL_1>"))
        let content = reply.json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
        #expect(content.hasSuffix("write to jane.doe@example.com today"), "\(content)")
        #expect(!content.contains("<EMAIL_1>"))
        let header = reply.headers.first(name: "x-ajar-policy") ?? ""
        #expect(header.contains("email:pseudonymise"), "\(header)")
        #expect(header.contains("tier=limited"))
        #expect(!header.contains("jane.doe"))
    }

    @Test("streamed answers are restored too, whatever the chunking")
    func pseudonymiseStream() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let text = "call +44 20 7946 0958 or mail a.b@example.org"
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("oa", text, stream: true))
        #expect(reply.status == 200)
        var content = ""
        for event in TestGateway.events(reply.body) where event.data != "[DONE]" {
            let json = try JSONParser.parse(event.data)
            content += json["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue ?? ""
        }
        #expect(content.hasSuffix(text), "\(content)")
        let sent = await Self.sentToVendor(ajar)
        #expect(!sent.contains("a.b@example.org"))
        #expect(!sent.contains("7946 0958"))
        #expect(sent.contains("<EMAIL_1>") && sent.contains("<PHONE_1>"), "\(sent)")
    }

    @Test("a secret is refused with 403 naming the class, never the value; nothing reaches a vendor")
    func blockSecret() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let key = "AKIAIOSFODNN7EXAMPLE"
        for path in ["/v1/chat/completions", "/v1/messages"] {
            let body = path == "/v1/messages" ? anthropicChat("oa", "my key is \(key)") : openAIChat("oa", "my key is \(key)")
            let reply = try await ajar.post(path, json: body)
            #expect(reply.status == 403, "\(path): \(reply.body)")
            #expect(reply.body.contains("secret"))
            #expect(!reply.body.contains(key))
            // Refusals carry the decision trace too.
            let header = reply.headers.first(name: "x-ajar-policy") ?? ""
            #expect(header.contains("classes=secret") && header.contains("secret:block"), "\(path): \(header)")
            #expect(!header.contains(key))
        }
        #expect(await ajar.vendors.recordedRequests().isEmpty)
    }

    @Test("a card number keeps the request in house: the vendor deployment is skipped, the self-hosted one gets it")
    func keepLocal() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let card = "4111 1111 1111 1111"
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("mixed", "charge card \(card)"))
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.headers.first(name: "x-ajar-deployment") == "inhouse/llama-fake")
        #expect(await ajar.vendors.recordedRequests().isEmpty)
        let received = await inhouse.recordedRequests().map(\.bodyText).joined()
        #expect(received.contains(card))  // in-house models receive the real value

        // Without a card the vendor comes first again.
        let plain = try await ajar.post("/v1/chat/completions", json: openAIChat("mixed", "hello"))
        #expect(plain.headers.first(name: "x-ajar-deployment") == "openai/gpt-fake")
    }

    @Test("fails closed: keep-local data with only vendor deployments is refused, not sent")
    func failClosed() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let reply = try await ajar.post("/v1/chat/completions", json: openAIChat("oa", "IBAN DE89 3704 0044 0532 0130 00"))
        #expect(reply.status == 403, "\(reply.body)")
        #expect(reply.json?["error"]?["code"]?.stringValue == "policy_no_allowed_model")
        #expect(!reply.body.contains("DE89"))
        #expect(reply.headers.first(name: "x-ajar-policy")?.contains("excluded=oa:keep-local") == true)
        #expect(await ajar.vendors.recordedRequests().isEmpty)
    }

    @Test("POST /api/policy/explain returns the plan without running it: candidates, pseudonyms, exclusions")
    func explainPlanned() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let reply = try await ajar.post(
            "/api/policy/explain", json: openAIChat("mixed", "mail jane.doe@example.com about card 4111 1111 1111 1111"))
        #expect(reply.status == 200, "\(reply.body)")
        let json = try #require(reply.json)
        #expect(json["decision"]?.stringValue == "route")
        #expect(json["tier"]?.stringValue == "limited")
        #expect(json["data_classes"]?.arrayValue?.compactMap(\.stringValue) == ["email", "payment_card"])
        #expect(json["actions"]?["email"]?.stringValue == "pseudonymise")
        #expect(json["actions"]?["payment_card"]?.stringValue == "keep-local")
        let candidates = json["candidates"]?.arrayValue ?? []
        #expect(candidates.compactMap { $0["deployment"]?.stringValue } == ["inhouse/llama-fake"])
        #expect(candidates.first?["hosting"]?.stringValue == "self-hosted")
        #expect(json["excluded"]?.arrayValue?.first?["reason"]?.stringValue == "keep-local")
        #expect(json["pseudonymised_spans"]?.intValue == 1)
        let vendorText = json["vendor_messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        #expect(vendorText.contains("<EMAIL_1>") && !vendorText.contains("jane.doe"), "\(vendorText)")
        #expect((json["steps"]?.arrayValue?.count ?? 0) >= 3)
        #expect(reply.headers.first(name: "x-ajar-policy") == json["header"]?.stringValue)
        // Nothing was run.
        #expect(await ajar.vendors.recordedRequests().isEmpty)
        #expect(await inhouse.recordedRequests().isEmpty)
    }

    @Test("POST /api/policy/explain explains refusals (200, the code and classes, never a value) and rejects bad bodies")
    func explainRefused() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let key = "AKIAIOSFODNN7EXAMPLE"
        let reply = try await ajar.post("/api/policy/explain", json: openAIChat("oa", "my key is \(key)"))
        #expect(reply.status == 200, "\(reply.body)")
        #expect(reply.json?["decision"]?.stringValue == "refuse")
        #expect(reply.json?["code"]?.stringValue == "policy_data_blocked")
        #expect(reply.json?["data_classes"]?.arrayValue?.compactMap(\.stringValue) == ["secret"])
        #expect(!reply.body.contains(key))
        let anthropic = try await ajar.post("/api/policy/explain?dialect=anthropic", json: anthropicChat("oa", "IBAN DE89 3704 0044 0532 0130 00"))
        #expect(anthropic.json?["code"]?.stringValue == "policy_no_allowed_model", "\(anthropic.body)")
        let unknown = try await ajar.post("/api/policy/explain", json: openAIChat("nope", "hi"))
        #expect(unknown.status == 404)
        let malformed = try await ajar.send(.POST, "/api/policy/explain", body: Array("{not json".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.json?["error"]?["type"]?.stringValue == "invalid_request_error")
        // Without an admin key nobody may pick another tier.
        let other = try await ajar.post("/api/policy/explain?tier=high", json: openAIChat("oa", "hi"))
        #expect(other.status == 403)
    }

    @Test("GET /v1/models carries each model's card; /api/models/{id} the full card")
    func modelCards() async throws {
        let (ajar, inhouse) = try await Self.start()
        defer { Task { await ajar.stop(); await inhouse.stop() } }
        let list = try await ajar.send(.GET, "/v1/models")
        let models = list.json?["data"]?.arrayValue ?? []
        let oa = models.first { $0["id"]?.stringValue == "oa" }
        #expect(oa?["object"]?.stringValue == "model")
        #expect(oa?["ajar"]?["hosting"]?.stringValue == "vendor")
        #expect(oa?["ajar"]?["openness_class"]?.stringValue == "closed")
        #expect(oa?["ajar"]?["card"]?["price"]?["output"]?.doubleValue == 0.6)

        let card = try await ajar.send(.GET, "/api/models/mixed")
        #expect(card.status == 200)
        let hostings = card.json?["deployments"]?.arrayValue?.compactMap { $0["hosting"]?.stringValue }
        #expect(hostings == ["vendor", "self-hosted"])
        #expect(try await ajar.send(.GET, "/api/models/nope").status == 404)
    }
}
