import AjarCore

/// Decides, without I/O, where a request may go and in what form: the heart of AjarPolicy.
///
/// ``plan(request:principal:candidates:)`` scans every text the request carries, applies the
/// configured action per data class, filters the candidates by the principal's risk tier, and
/// either returns a ``Plan`` or throws a ``PolicyRefusal``. It fails closed: an unknown tier, a
/// blocked class, or no candidate left is a refusal, never a request sent somewhere it may not go.
package struct PolicyEngine: Sendable {
    package let config: PolicyConfig
    package let scanner: SensitiveDataScanner
    /// Action per listed class.
    private let actions: [DataClass: DataAction]
    /// Every tier: the four built-in ones, replaced by configured ones of the same name, plus any
    /// other configured names.
    package let tiers: [String: TierPolicy]

    /// Validates `config` and compiles its custom detectors.
    /// - Throws: ``PolicyConfigError`` naming the key: a class name that is not `[a-z][a-z0-9_]*`,
    ///   a detector with neither or both of `pattern` and `words`, an invalid pattern, a pattern that
    ///   matches the empty string, or a `default_tier` that does not exist.
    package init(config: PolicyConfig = PolicyConfig()) throws(PolicyConfigError) {
        var detectors = SensitiveDataScanner.builtInDetectors
        for (index, custom) in config.detectors.enumerated() {
            let path = "policy.detectors[\(index)]"
            guard DataClass.isValidName(custom.dataClass.rawValue) else {
                throw PolicyConfigError(
                    keyPath: "\(path).class",
                    message: "a class name is lower-case letters, digits and _, starting with a letter")
            }
            switch (custom.pattern, custom.words) {
            case (let pattern?, nil):
                guard !pattern.isEmpty else {
                    throw PolicyConfigError(keyPath: "\(path).pattern", message: "the pattern is empty")
                }
                let detector: PatternDetector
                do {
                    detector = try PatternDetector(dataClass: custom.dataClass, pattern: pattern)
                } catch {
                    throw PolicyConfigError(keyPath: "\(path).pattern", message: "not a valid regular expression")
                }
                detectors.append(detector)
            case (nil, let words?):
                let usable = words.filter { !$0.isEmpty }
                guard !usable.isEmpty else {
                    throw PolicyConfigError(keyPath: "\(path).words", message: "the word list is empty")
                }
                detectors.append(
                    WordListDetector(dataClass: custom.dataClass, words: usable, caseSensitive: custom.caseSensitive))
            default:
                throw PolicyConfigError(keyPath: path, message: "give exactly one of `pattern` and `words`")
            }
        }
        for name in config.data.keys where !DataClass.isValidName(name) {
            throw PolicyConfigError(
                keyPath: "policy.data.\(name)",
                message: "a class name is lower-case letters, digits and _, starting with a letter")
        }
        var tiers: [String: TierPolicy] = [:]
        for tier in RiskTier.allCases { tiers[tier.rawValue] = tier.defaultPolicy }
        for (name, policy) in config.tiers { tiers[name] = policy }
        // Prohibited means prohibited: no config can open the unacceptable tier.
        tiers[RiskTier.unacceptable.rawValue]?.refuse = true
        guard tiers[config.defaultTier] != nil else {
            throw PolicyConfigError(keyPath: "policy.default_tier", message: "no tier named '\(config.defaultTier)'")
        }
        self.config = config
        self.scanner = SensitiveDataScanner(detectors: detectors)
        self.actions = Dictionary(uniqueKeysWithValues: config.data.map { (DataClass($0.key), $0.value) })
        self.tiers = tiers
    }

    /// The action the config gives `dataClass`; `allow` when it is not listed.
    package func action(for dataClass: DataClass) -> DataAction {
        actions[dataClass] ?? .allow
    }

    /// Plans one request.
    /// - Parameters:
    ///   - request: the canonical request; every text it carries is scanned (message text parts of
    ///     every role, system and tool results included; refusals; tool-call arguments).
    ///   - principal: the caller, from the bearer key; its tier (or `default_tier`) applies.
    ///   - candidates: the model cards that could serve the request, in preference order.
    /// - Returns: the allowed candidates in the same order, the requests to send, and the trace.
    /// - Throws: ``PolicyRefusal`` when the tier refuses or is unknown, a class is blocked, or no
    ///   candidate is left. Its explanation and trace name classes, never values.
    package func plan(
        request: ChatRequest, principal: Principal, candidates: [ModelCard]
    ) throws(PolicyRefusal) -> Plan {
        let tierName = principal.tier ?? config.defaultTier
        var trace = DecisionTrace(tier: tierName)
        trace.add(
            principal.tier == nil
                ? "tier \(tierName): policy.default_tier (the key names no tier)"
                : "tier \(tierName): from the key of app \(principal.app)")
        guard let tier = tiers[tierName] else {
            trace.add("refused: tier \(tierName) is not configured")
            throw PolicyRefusal(
                reason: .unknownTier, dataClasses: [],
                explanation: "Requests from risk tier '\(tierName)' are refused: the tier is not configured.",
                trace: trace)
        }
        if tier.refuse {
            trace.add("refused: tier \(tierName) refuses every request")
            throw PolicyRefusal(
                reason: .tierRefused, dataClasses: [],
                explanation: "Requests from risk tier '\(tierName)' are refused by policy.", trace: trace)
        }

        // Scan.
        let scanned = scan(request)
        var counts: [DataClass: Int] = [:]
        for text in scanned {
            for span in text.spans { counts[span.dataClass, default: 0] += 1 }
        }
        let found = counts.keys.sorted()
        trace.dataClasses = found
        if found.isEmpty {
            trace.add("found: no sensitive data in \(scanned.count) scanned text(s)")
        } else {
            let listed = found.map { "\($0.rawValue) ×\(counts[$0] ?? 0)" }.joined(separator: ", ")
            trace.add("found: \(listed)")
        }
        var foundActions: [DataClass: DataAction] = [:]
        for dataClass in found {
            let action = action(for: dataClass)
            foundActions[dataClass] = action
            trace.add(
                actions[dataClass] == nil
                    ? "rule: \(dataClass.rawValue) → allow (not listed in policy.data)"
                    : "rule: \(dataClass.rawValue) → \(action.rawValue) (policy.data.\(dataClass.rawValue))")
        }
        trace.actions = foundActions

        let blocked = found.filter { foundActions[$0] == .block }
        if !blocked.isEmpty {
            let names = blocked.map(\.rawValue).joined(separator: ", ")
            trace.add("refused: \(names) blocked by policy")
            throw PolicyRefusal(
                reason: .dataBlocked, dataClasses: blocked,
                explanation: "The request was refused because it contains data the policy blocks: \(names).",
                trace: trace)
        }
        let keepLocal = found.filter { foundActions[$0] == .keepLocal }

        // Filter candidates.
        var allowed: [ModelCard] = []
        for card in candidates {
            if let (code, why) = exclusion(
                of: card, principal: principal, tierName: tierName, tier: tier, keepLocal: keepLocal)
            {
                trace.excluded.append((card.alias, code))
                trace.add("dropped \(card.alias) (\(card.provider), \(card.hosting.rawValue)): \(why)")
            } else {
                allowed.append(card)
                trace.allowed.append(card.alias)
                trace.add(
                    "kept \(card.alias) (\(card.provider), \(card.hosting.rawValue), \(card.opennessClass.rawValue))")
            }
        }
        guard !allowed.isEmpty else {
            trace.add("refused: no candidate is allowed")
            let reasons = trace.excluded.map { "\($0.alias): \($0.reason)" }.joined(separator: ", ")
            let why =
                candidates.isEmpty
                ? "no model was offered for it" : "every candidate model was excluded (\(reasons))"
            throw PolicyRefusal(
                reason: .noAllowedModel, dataClasses: found,
                explanation: "The request was refused under risk tier '\(tierName)': \(why).", trace: trace)
        }

        // Transforms.
        var table = PseudonymTable()
        var pseudonymised = 0
        var redacted = 0
        var vendorRequest = request
        var inHouseRequest = request
        let transforming = foundActions.values.contains { $0 == .pseudonymise || $0 == .redact }
        if transforming {
            for text in scanned where !text.spans.isEmpty {
                let forVendor = Pseudonymizer.rewrite(
                    text.value, spans: text.spans, actions: foundActions, pseudonymise: true, table: &table)
                text.location.write(forVendor.text, into: &vendorRequest)
                var unused = PseudonymTable()
                let forInHouse = Pseudonymizer.rewrite(
                    text.value, spans: text.spans, actions: foundActions, pseudonymise: false, table: &unused)
                text.location.write(forInHouse.text, into: &inHouseRequest)
                let redactions = text.spans.filter { foundActions[$0.dataClass] == .redact }.count
                redacted += redactions
                pseudonymised += forVendor.replaced - redactions
            }
            trace.add(
                "transform: \(pseudonymised) span(s) pseudonymised for vendor models, \(redacted) redacted for all models"
            )
        }
        if tier.auditContent { trace.add("audit: content recorded (tier \(tierName) has audit_content)") }

        return Plan(
            candidates: allowed, tier: tierName, dataClasses: found, actions: foundActions,
            auditContent: tier.auditContent, trace: trace, vendorRequest: vendorRequest,
            inHouseRequest: inHouseRequest, pseudonyms: table, pseudonymisedSpans: pseudonymised,
            redactedSpans: redacted)
    }

    /// Why `card` may not serve the request, as a short code and a sentence; `nil` if it may.
    private func exclusion(
        of card: ModelCard, principal: Principal, tierName: String, tier: TierPolicy, keepLocal: [DataClass]
    ) -> (String, String)? {
        if !principal.mayUse(model: card.alias) {
            return ("key", "the key's allowed_models does not list it")
        }
        if let hosting = tier.hosting, !hosting.contains(card.hosting) {
            return (
                "hosting",
                "tier \(tierName) allows hosting \(hosting.map(\.rawValue).joined(separator: "/")) only"
            )
        }
        if let minimum = tier.minOpenness, card.opennessClass < minimum {
            return (
                "openness",
                "openness \(card.opennessClass.rawValue) is below tier \(tierName)'s min_openness \(minimum.rawValue)"
            )
        }
        if let providers = tier.providers, !providers.contains(card.provider) {
            return ("provider", "tier \(tierName) allows providers \(providers.joined(separator: ", ")) only")
        }
        if !keepLocal.isEmpty, !card.hosting.keepsDataInHouse {
            return (
                "keep-local",
                "\(keepLocal.map(\.rawValue).joined(separator: ", ")) must stay on local or self-hosted models"
            )
        }
        return nil
    }

    /// Every text the request carries, with its spans.
    func scan(_ request: ChatRequest) -> [ScannedText] {
        var texts: [ScannedText] = []
        guard config.scan else { return texts }
        for (m, message) in request.messages.enumerated() {
            for (p, part) in message.content.enumerated() {
                if case .text(let value) = part {
                    texts.append(
                        ScannedText(location: .content(message: m, part: p), value: value, spans: scanner.scan(value)))
                }
            }
            if let refusal = message.refusal {
                texts.append(ScannedText(location: .refusal(message: m), value: refusal, spans: scanner.scan(refusal)))
            }
            for (c, call) in message.toolCalls.enumerated() {
                texts.append(
                    ScannedText(
                        location: .toolArguments(message: m, call: c), value: call.arguments,
                        spans: scanner.scan(call.arguments)))
            }
        }
        return texts
    }
}

/// One text of a request, where it is, and what was found in it.
struct ScannedText: Sendable {
    var location: TextLocation
    var value: String
    var spans: [DetectedSpan]
}
