import AjarCore
import AjarPolicy
import Foundation
import Testing

@Suite struct PolicyEngineTests {
    /// The example from issue 5, as the gateway's YAML loader will decode it.
    static let exampleConfig = PolicyConfig(
        defaultTier: "limited",
        data: [
            "email": .pseudonymise, "phone": .pseudonymise, "payment_card": .keepLocal, "iban": .keepLocal,
            "secret": .block,
        ],
        tiers: [
            "high": TierPolicy(hosting: [.local, .selfHosted], minOpenness: .openWeights, auditContent: true),
            "unacceptable": TierPolicy(refuse: true),
        ])

    static let vendor = ModelCard(alias: "gpt-4o", provider: "openai", hosting: .vendor)
    static let claude = ModelCard(alias: "claude", provider: "anthropic", hosting: .vendor)
    static let local = ModelCard(
        alias: "llama-local", provider: "local", hosting: .local,
        openness: OpennessRecord(weights: .restricted, licence: "llama3.1"))
    static let ollama = ModelCard(
        alias: "olmo", provider: "ollama", hosting: .selfHosted,
        openness: OpennessRecord(
            weights: .open, code: .open, trainingData: .open, documentation: .open, licence: "Apache-2.0"))
    static let closedSelfHosted = ModelCard(alias: "mystery", provider: "vllm", hosting: .selfHosted)
    static let all = [vendor, claude, local, ollama, closedSelfHosted]

    static let app = Principal(keyID: "k1", app: "support-bot", team: "cx")

    static func request(_ text: String) -> ChatRequest {
        ChatRequest(
            model: "gpt-4o",
            messages: [
                ChatMessage(role: .system, text: "You are helpful."), ChatMessage(role: .user, text: text),
            ])
    }

    static func engine(_ config: PolicyConfig = exampleConfig) throws -> PolicyEngine {
        try PolicyEngine(config: config)
    }

    @Test("no sensitive data: every candidate kept in order, request untouched, default tier applies")
    func clean() throws {
        let request = Self.request("What is the capital of France?")
        let plan = try Self.engine().plan(request: request, principal: Self.app, candidates: Self.all)
        #expect(plan.candidates == Self.all)
        #expect(plan.tier == "limited")
        #expect(plan.dataClasses.isEmpty)
        #expect(plan.vendorRequest == request)
        #expect(plan.inHouseRequest == request)
        #expect(!plan.auditContent)
        #expect(plan.trace.steps.contains { $0.contains("policy.default_tier") })
    }

    @Test("pseudonymise: vendors get placeholders, in-house models get values, the answer is restored")
    func pseudonymise() throws {
        let request = Self.request("Email ada@example.com or call +44 20 7946 0958; ada@example.com again.")
        let plan = try Self.engine().plan(request: request, principal: Self.app, candidates: Self.all)
        #expect(plan.candidates.count == Self.all.count)
        #expect(plan.dataClasses == [.email, .phone])
        #expect(plan.vendorRequest.messages[1].text == "Email <EMAIL_1> or call <PHONE_1>; <EMAIL_1> again.")
        #expect(plan.request(for: Self.vendor) == plan.vendorRequest)
        #expect(plan.request(for: Self.local) == request)
        #expect(plan.needsRestoration(for: Self.vendor))
        #expect(!plan.needsRestoration(for: Self.local))
        #expect(plan.pseudonymisedSpans == 3)
        var answer = ChatMessage(role: .assistant, text: "I wrote to <EMAIL_1>.")
        answer.toolCalls = [ToolCall(id: "t", name: "call", arguments: "{\"number\":\"<PHONE_1>\"}")]
        let response = ChatResponse(
            id: "r", model: "gpt-4o", created: 0,
            choices: [ChatChoice(index: 0, message: answer, finishReason: .stop())])
        let restored = plan.restore(response)
        #expect(restored.choices[0].message.text == "I wrote to ada@example.com.")
        #expect(restored.choices[0].message.toolCalls[0].arguments == "{\"number\":\"+44 20 7946 0958\"}")
    }

    @Test("scan: false finds nothing, so no data action applies; tiers still do")
    func scanOff() throws {
        var config = Self.exampleConfig
        config.scan = false
        let request = Self.request("Email ada@example.com, key AKIAIOSFODNN7EXAMPLE")
        let plan = try Self.engine(config).plan(request: request, principal: Self.app, candidates: Self.all)
        #expect(plan.dataClasses.isEmpty)
        #expect(plan.vendorRequest == request)
        #expect(plan.candidates == Self.all)
        // The same request with scanning on is blocked (a secret).
        #expect(throws: PolicyRefusal.self) { try Self.engine().plan(request: request, principal: Self.app, candidates: Self.all) }
        // A refusing tier still refuses.
        var refused = Self.app
        refused.tier = "unacceptable"
        #expect(throws: PolicyRefusal.self) { try Self.engine(config).plan(request: request, principal: refused, candidates: Self.all) }
    }

    @Test("keep-local drops vendor candidates and says why")
    func keepLocal() throws {
        let plan = try Self.engine().plan(
            request: Self.request("Refund to DE89 3704 0044 0532 0130 00 please"), principal: Self.app,
            candidates: Self.all)
        #expect(plan.candidates.map(\.alias) == ["llama-local", "olmo", "mystery"])
        #expect(plan.trace.excluded.map(\.alias) == ["gpt-4o", "claude"])
        #expect(plan.trace.excluded.allSatisfy { $0.reason == "keep-local" })
        #expect(plan.trace.steps.contains { $0.contains("dropped gpt-4o") && $0.contains("iban must stay") })
    }

    @Test("block refuses with 403, names the class, and never the value")
    func block() throws {
        let key = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
        let request = Self.request("my token is \(key) and mail ada@example.com")
        let error = #expect(throws: PolicyRefusal.self) {
            try Self.engine().plan(request: request, principal: Self.app, candidates: Self.all)
        }
        let refusal = try #require(error)
        #expect(refusal.reason == .dataBlocked)
        #expect(refusal.dataClasses == [.secret])
        #expect(refusal.gatewayError.status == 403)
        #expect(refusal.gatewayError == .forbidden(refusal.explanation, code: "policy_data_blocked"))
        let everything = [
            refusal.explanation, refusal.description, refusal.trace.description, refusal.trace.headerValue(),
        ]
        for text in everything {
            #expect(!text.contains(key))
            #expect(!text.contains("ada@example.com"))
        }
        #expect(refusal.explanation.contains("secret"))
    }

    @Test("every text is scanned: system prompt, tool results, tool-call arguments, refusals")
    func scansEverything() throws {
        var assistant = ChatMessage(role: .assistant, text: "")
        assistant.toolCalls = [ToolCall(id: "1", name: "lookup", arguments: "{\"card\":\"4111 1111 1111 1111\"}")]
        var tool = ChatMessage(role: .tool, text: "IBAN DE89 3704 0044 0532 0130 00")
        tool.toolCallID = "1"
        var refused = ChatMessage(role: .assistant, text: "")
        refused.refusal = "I won't email grace@example.org"
        let request = ChatRequest(
            model: "m",
            messages: [
                ChatMessage(role: .system, text: "Operator phone +44 20 7946 0958"), assistant, tool, refused,
                ChatMessage(
                    role: .user, content: [.text("see"), .image(ImageSource(url: "https://x")), .text("10.1.2.3")]),
            ])
        let plan = try Self.engine().plan(request: request, principal: Self.app, candidates: Self.all)
        #expect(plan.dataClasses == [.email, .iban, .ipAddress, .paymentCard, .phone])
        #expect(plan.vendorRequest.messages[0].text == "Operator phone <PHONE_1>")
        #expect(plan.vendorRequest.messages[3].refusal == "I won't email <EMAIL_1>")
        #expect(plan.vendorRequest.messages[4].content[1] == .image(ImageSource(url: "https://x")))
        #expect(plan.actions[.ipAddress] == .allow)
        #expect(plan.trace.steps.contains("rule: ip_address → allow (not listed in policy.data)"))
    }

    @Test("high tier: only in-house models at least open-weights; content audited")
    func highTier() throws {
        var principal = Self.app
        principal.tier = "high"
        let plan = try Self.engine().plan(request: Self.request("hello"), principal: principal, candidates: Self.all)
        #expect(plan.candidates.map(\.alias) == ["llama-local", "olmo"])
        #expect(plan.auditContent)
        let reasons = Dictionary(uniqueKeysWithValues: plan.trace.excluded.map { ($0.alias, $0.reason) })
        #expect(reasons == ["gpt-4o": "hosting", "claude": "hosting", "mystery": "openness"])
        #expect(plan.trace.headerValue(chosen: "olmo").contains("model=olmo"))
    }

    @Test("unacceptable tier always refuses, even if the config tries to open it")
    func unacceptable() throws {
        var config = Self.exampleConfig
        config.tiers["unacceptable"] = TierPolicy(refuse: false)
        let principal = Principal(app: "scoring", team: "risk", tier: "unacceptable")
        let error = #expect(throws: PolicyRefusal.self) {
            try Self.engine(config).plan(request: Self.request("hi"), principal: principal, candidates: Self.all)
        }
        #expect(error?.reason == .tierRefused)
        #expect(error?.code == "policy_tier_refused")
    }

    @Test("an unknown tier fails closed")
    func unknownTier() throws {
        let principal = Principal(app: "x", team: "y", tier: "experimental")
        let error = #expect(throws: PolicyRefusal.self) {
            try Self.engine().plan(request: Self.request("hi"), principal: principal, candidates: Self.all)
        }
        #expect(error?.reason == .unknownTier)
    }

    @Test("no candidate left fails closed with the reasons; an empty candidate list too")
    func noCandidate() throws {
        let error = #expect(throws: PolicyRefusal.self) {
            try Self.engine().plan(
                request: Self.request("card 4111 1111 1111 1111"), principal: Self.app,
                candidates: [Self.vendor, Self.claude])
        }
        #expect(error?.reason == .noAllowedModel)
        #expect(error?.dataClasses == [.paymentCard])
        #expect(error?.explanation.contains("gpt-4o: keep-local") == true)
        #expect(error?.explanation.contains("4111") == false)
        let empty = #expect(throws: PolicyRefusal.self) {
            try Self.engine().plan(request: Self.request("hi"), principal: Self.app, candidates: [])
        }
        #expect(empty?.reason == .noAllowedModel)
    }

    @Test("key restrictions and tier provider lists drop candidates")
    func keyAndProviders() throws {
        var config = Self.exampleConfig
        config.tiers["minimal"] = TierPolicy(providers: ["openai", "local"])
        let principal = Principal(app: "a", team: "t", tier: "minimal", allowedModels: ["gpt-4o", "claude"])
        let plan = try Self.engine(config).plan(request: Self.request("hi"), principal: principal, candidates: Self.all)
        #expect(plan.candidates.map(\.alias) == ["gpt-4o"])
        let reasons = Dictionary(uniqueKeysWithValues: plan.trace.excluded.map { ($0.alias, $0.reason) })
        #expect(reasons == ["claude": "provider", "llama-local": "key", "olmo": "key", "mystery": "key"])
    }

    @Test("redact replaces values for every model and is not restored")
    func redact() throws {
        let config = PolicyConfig(data: ["email": .redact])
        let plan = try Self.engine(config).plan(
            request: Self.request("mail ada@example.com"), principal: Self.app, candidates: Self.all)
        #expect(plan.vendorRequest.messages[1].text == "mail [REDACTED_EMAIL]")
        #expect(plan.inHouseRequest.messages[1].text == "mail [REDACTED_EMAIL]")
        #expect(plan.pseudonyms.isEmpty)
        #expect(plan.redactedSpans == 1)
    }

    @Test("custom detectors: their classes take actions like built-in ones")
    func customDetectors() throws {
        let config = PolicyConfig(
            data: ["employee_id": .pseudonymise, "codename": .keepLocal],
            detectors: [
                CustomDetectorConfig(dataClass: "employee_id", pattern: "EMP-[0-9]{6}"),
                CustomDetectorConfig(dataClass: "codename", words: ["Nightjar"]),
            ])
        let plan = try Self.engine(config).plan(
            request: Self.request("EMP-123456 works on nightjar"), principal: Self.app, candidates: Self.all)
        #expect(plan.dataClasses == ["codename", "employee_id"])
        #expect(plan.candidates.allSatisfy { $0.hosting != .vendor })
        #expect(plan.vendorRequest.messages[1].text == "<EMPLOYEE_ID_1> works on nightjar")
    }

    @Test(
        "config errors name the key",
        arguments: [
            (PolicyConfig(defaultTier: "nope"), "policy.default_tier"),
            (
                PolicyConfig(detectors: [CustomDetectorConfig(dataClass: "x", pattern: "([")]),
                "policy.detectors[0].pattern"
            ),
            (
                PolicyConfig(detectors: [CustomDetectorConfig(dataClass: "Bad Name", words: ["a"])]),
                "policy.detectors[0].class"
            ),
            (PolicyConfig(detectors: [CustomDetectorConfig(dataClass: "x")]), "policy.detectors[0]"),
            (PolicyConfig(detectors: [CustomDetectorConfig(dataClass: "x", words: [""])]), "policy.detectors[0].words"),
            (PolicyConfig(data: ["E-mail": .block]), "policy.data.E-mail"),
        ])
    func configErrors(_ config: PolicyConfig, _ keyPath: String) {
        #expect(throws: PolicyConfigError.self) { try PolicyEngine(config: config) }
        do {
            _ = try PolicyEngine(config: config)
        } catch {
            #expect(error.keyPath == keyPath)
        }
    }

    @Test("the example YAML's structure decodes (JSON form) with defaults for what it omits")
    func decodeExample() throws {
        let json = """
            {"default_tier": "limited",
             "data": {"email": "pseudonymise", "phone": "pseudonymise", "payment_card": "keep-local",
                      "iban": "keep-local", "secret": "block"},
             "tiers": {"high": {"hosting": ["local", "self-hosted"], "min_openness": "open-weights", "audit_content": true},
                       "unacceptable": {"refuse": true}}}
            """
        let config = try JSONDecoder().decode(PolicyConfig.self, from: Data(json.utf8))
        #expect(config == Self.exampleConfig)
        let empty = try JSONDecoder().decode(PolicyConfig.self, from: Data("{}".utf8))
        #expect(empty == PolicyConfig())
        let engine = try PolicyEngine(config: empty)
        #expect(engine.tiers.keys.sorted() == ["high", "limited", "minimal", "unacceptable"])
        #expect(engine.action(for: .email) == .allow)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PolicyConfig.self, from: Data(#"{"data": {"email": "shred"}}"#.utf8))
        }
        let custom = try JSONDecoder().decode(
            PolicyConfig.self,
            from: Data(#"{"detectors": [{"class": "codename", "words": ["nightjar"], "case_sensitive": true}]}"#.utf8))
        #expect(
            custom.detectors == [CustomDetectorConfig(dataClass: "codename", words: ["nightjar"], caseSensitive: true)])
    }

    @Test("the trace never contains a value, whatever the action")
    func traceHasNoValues() throws {
        let values = [
            "ada@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "123-45-6789",
            "10.9.8.7",
        ]
        for action in DataAction.allCases where action != .block {
            let config = PolicyConfig(
                data: Dictionary(uniqueKeysWithValues: DataClass.builtIn.map { ($0.rawValue, action) }))
            let plan = try? Self.engine(config).plan(
                request: Self.request(values.joined(separator: " ; ")), principal: Self.app, candidates: Self.all)
            let trace = try #require(plan?.trace)
            let encoded = String(decoding: try JSONEncoder().encode(trace), as: UTF8.self)
            for value in values {
                #expect(!trace.description.contains(value))
                #expect(!trace.headerValue().contains(value))
                #expect(!encoded.contains(value))
            }
        }
    }
}
