import AjarCore
import AjarPolicy
import AjarStore
import Crypto
import Foundation
import Logging
import Synchronization

/// Keys, rate limits, budgets, usage and the audit trail around each request, over a
/// ``GatewayStore``: who is calling (``authenticate(_:)``), may they (``admit(_:request:cards:)``),
/// and what it cost (``finish(_:)``).
package final class Accountant: Sendable {
    package let store: any GatewayStore
    /// Set when every request needs a key (`auth.admin_key` or `AJAR_ADMIN_KEY`).
    private let adminKeyDigest: KeyDigest?
    package var requiresKeys: Bool { adminKeyDigest != nil }
    /// USD per compute-second charged for local models, so open and closed spend compare.
    let localComputePrice: Double
    let logger: Logger
    /// Keys recently authenticated, by the SHA-256 of their secret, so that a busy key costs no
    /// store read per request. An entry lives ``keyCacheLifetime``; rotating or revoking a key
    /// through this process (``rotateKey(id:requestID:)``, ``revokeKey(id:requestID:)``) drops
    /// every entry at once, and a change made elsewhere (the CLI, another instance) is seen
    /// within the lifetime.
    private let keyCache = Mutex(KeyCache())
    private struct KeyCache: Sendable {
        struct Entry: Sendable {
            var record: KeyRecord
            var expires: ContinuousClock.Instant
        }
        /// By the SHA-256 of the secret (the digest's bytes), never the secret itself.
        var bySecret: [KeyDigest: Entry] = [:]
        /// The record each key last authenticated with, so admitting its request needs no second read.
        var byID: [String: KeyRecord] = [:]
    }
    package static let keyCacheLifetime: Duration = .seconds(1)
    /// Finished requests' records, recorded in groups (``GatewayStore/record(_:)``: durable when
    /// it returns, so a request is answered only once its record is safe).
    private let committer: GroupBatcher<RequestRecord, Void>
    /// The store records without a round trip (``GatewayStore/recordsWithoutRoundTrip``): each
    /// request records on its own, without waiting to join a group.
    private let recordsInline: Bool

    package init(store: any GatewayStore, adminKey: Secret?, localComputePrice: Double = 0, logger: Logger = Logger(label: "ajar.accounting")) {
        self.store = store
        self.adminKeyDigest = adminKey.map { Self.digest($0.value) }
        self.localComputePrice = localComputePrice
        self.logger = logger
        self.recordsInline = store.recordsWithoutRoundTrip
        self.committer = GroupBatcher { records in
            try await store.record(records)
            return Array(repeating: (), count: records.count)
        }
    }

    // MARK: - Who

    /// Whether `secret` is the admin key (constant time over the digests).
    package func isAdmin(_ secret: String?) -> Bool {
        isAdmin(digest: secret.map(Self.digest))
    }

    /// Whether a key with this digest (``digest(_:)``) is the admin key, in constant time.
    package func isAdmin(digest: KeyDigest?) -> Bool {
        guard let adminKeyDigest, let digest else { return false }
        let difference = adminKeyDigest.words ^ digest.words
        return (difference[0] | difference[1] | difference[2] | difference[3]) == 0
    }

    /// The SHA-256 of a presented key: computed once per request, for the admin check and the
    /// key lookup both.
    package static func digest(_ secret: String) -> KeyDigest {
        var secret = secret
        let hash = secret.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return hash.withUnsafeBytes { bytes in
            KeyDigest(
                words: SIMD4(
                    bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }
    }

    /// The caller of a request from its bearer key.
    /// - Once keys are required, a missing or unknown key is 401. Before that (a local tool with
    ///   no admin key), a valid key still applies its tier and limits and anything else is the
    ///   anonymous principal, so SDKs that insist on sending some key keep working.
    package func authenticate(_ secret: String?) async throws(GatewayError) -> Principal {
        try await authenticate(secret, digest: secret.map(Self.digest))
    }

    /// ``authenticate(_:)`` with the key's digest already computed.
    package func authenticate(_ secret: String?, digest: KeyDigest?) async throws(GatewayError) -> Principal {
        if let secret, !secret.isEmpty, let digest {
            let now = ContinuousClock.now
            if let cached = keyCache.withLock({ $0.bySecret[digest] }), cached.expires > now {
                return Self.principal(cached.record)
            }
            let record: KeyRecord?
            do {
                record = try await store.authenticate(Secret(secret))
            } catch {
                logger.error("key lookup failed", metadata: ["error": "\(error)"])
                throw .unavailable("The key store is unavailable.", retryAfter: 1)
            }
            if let record {
                keyCache.withLock { cache in
                    if cache.bySecret.count > 100_000 { cache = KeyCache() }
                    cache.bySecret[digest] = KeyCache.Entry(record: record, expires: now + Self.keyCacheLifetime)
                    cache.byID[record.id] = record
                }
                return Self.principal(record)
            }
            if requiresKeys { throw .unauthorized("Incorrect API key provided.") }
            return Gateway.anonymous
        }
        if requiresKeys { throw .unauthorized("No API key provided. Send it as 'Authorization: Bearer KEY'.") }
        return Gateway.anonymous
    }

    static func principal(_ record: KeyRecord) -> Principal {
        Principal(
            keyID: record.id, app: record.app, team: record.team ?? "", tier: tier(of: record), allowedModels: record.allowedModels)
    }

    /// What a key stores as its tier when it names none: it then follows `policy.default_tier`,
    /// also after the config changes it.
    package static let defaultTierMarker = "@default"

    /// The key's own tier, or `nil` for `policy.default_tier`.
    package static func tier(of record: KeyRecord) -> String? {
        record.tier.isEmpty || record.tier == defaultTierMarker ? nil : record.tier
    }

    // MARK: - May they

    /// What ``admit(_:request:cards:)`` holds for ``finish(_:)``.
    package struct Ticket: Sendable {
        let principal: Principal
        let reservation: Reservation?
        let started: Date
        let request: ChatRequest
        let requestID: String
        /// Whether the key has a tokens-per-minute limit to charge completion tokens to.
        var chargesTokens = false
    }

    /// Checks the model is allowed for the key, the rate limits, and reserves the request's
    /// worst-case cost against the key's and team's budgets in one atomic step each.
    /// - Throws: 403 for a model the key may not use, 429 (`Retry-After`) for a rate limit, 429
    ///   `insufficient_quota` for an exhausted budget.
    package func admit(_ principal: Principal, request: ChatRequest, requestID: String, cards: [ModelCard]) async throws(GatewayError) -> Ticket {
        let now = Date()
        guard let keyID = principal.keyID else {
            return Ticket(principal: principal, reservation: nil, started: now, request: request, requestID: requestID)
        }
        if !principal.mayUse(model: request.model) {
            throw .forbidden("This key may not use the model '\(request.model)'.", code: "model_not_allowed")
        }
        var record = keyCache.withLock { cache in cache.byID[keyID] }
        if record == nil {
            do { record = try await store.key(id: keyID) } catch { throw .unavailable("The key store is unavailable.", retryAfter: 1) }
        }
        let limits = record?.rateLimits ?? RateLimits()
        let promptEstimate = Self.promptTokens(request)
        // Worst case over the deployments that may serve it: prompt × input + max output × output.
        let maxOutput = request.maxTokens ?? cards.compactMap(\.contextWindow).min().map { min($0, 4096) } ?? 4096
        let estimate = cards.compactMap(\.pricing).map { price in
            (Double(promptEstimate) * price.input + Double(maxOutput) * price.output) / 1_000_000
        }.max() ?? 0
        let admission: AdmissionOutcome
        do {
            // Not grouped: the serving SQLite store decides in memory, and PostgreSQL admits one
            // per transaction anyway (see GatewayStore.admit(_:)).
            let outcomes = try await store.admit([
                Admission(
                    keyID: keyID, team: principal.teamName, estimateMicros: Self.micros(estimate),
                    tokens: promptEstimate, limits: limits, at: now)
            ])
            guard let first = outcomes.first else { throw StoreError.database("no admission outcome") }
            admission = first
        } catch {
            logger.error("admission failed", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
            throw .unavailable("The budget store is unavailable.", retryAfter: 1)
        }
        let outcome: ReserveOutcome
        switch admission {
        case .limited(let retryAfter, let kind):
            throw .rateLimited(
                "Rate limit reached for this key: \(kind == .requests ? "requests" : "tokens") per minute. Retry after \(retryAfter) s.",
                retryAfter: Double(retryAfter))
        case .counted(let reserved):
            outcome = reserved
        }
        switch outcome {
        case .reserved(let reservation):
            return Ticket(
                principal: principal, reservation: reservation, started: now, request: request, requestID: requestID,
                chargesTokens: limits.tokensPerMinute != nil)
        case .budgetExceeded(let scope, _, _):
            throw .budgetExceeded(
                "The \(scope.hasPrefix("team:") ? "team's" : "key's") budget for this period is exhausted (or too small for this request's worst case).")
        }
    }

    // MARK: - What it cost

    /// The outcome of a request, for ``finish(_:)``.
    package struct Outcome: Sendable {
        package var ticket: Ticket
        package var status: Int
        package var usage: Usage?
        package var served: ModelCard?
        package var deployment: String?
        package var attempts: [String]
        package var plan: Plan?
        /// The `x-ajar-policy` value sent with the answer, when already rendered.
        package var decision: String?
        /// The answer's text, for tiers that audit content (pseudonymised where the plan says so).
        package var answer: String?

        package init(
            ticket: Ticket, status: Int, usage: Usage?, served: ModelCard?, deployment: String?, attempts: [String], plan: Plan?,
            decision: String?, answer: String?
        ) {
            self.ticket = ticket
            self.status = status
            self.usage = usage
            self.served = served
            self.deployment = deployment
            self.attempts = attempts
            self.plan = plan
            self.decision = decision
            self.answer = answer
        }
    }

    /// Settles the reservation with the true cost, records usage and appends the audit record
    /// (``GatewayStore/record(_:)``: into the serving SQLite store's journal, or in one group
    /// commit with other requests finishing at the same time); returns once the record is durable.
    /// Errors are logged, not thrown: the client's answer is already decided.
    package func finish(_ outcome: Outcome) async {
        await write(record(of: outcome), requestID: outcome.ticket.requestID)
    }

    /// What ``finish(_:)`` writes for `outcome`: settlement, token charge, usage and audit record.
    package func record(of outcome: Outcome) -> RequestRecord {
        let ticket = outcome.ticket
        let elapsed = Date().timeIntervalSince(ticket.started)
        var cost = 0.0
        if let usage = outcome.usage, let card = outcome.served {
            if card.hosting == .vendor || card.pricing != nil {
                cost = card.pricing?.cost(of: usage) ?? 0
            } else {
                cost = elapsed * localComputePrice
            }
        }
        let micros = Self.micros(cost)
        let principal = ticket.principal
        var content: JSON?
        if outcome.plan?.auditContent == true {
            // The content the vendor saw: pseudonymised where the policy said so.
            let request = outcome.served.flatMap { card in outcome.plan?.request(for: card) } ?? outcome.plan?.vendorRequest
            var object: JSONObject = [:]
            object["messages"] = .array((request?.messages ?? []).map { ["role": .string($0.role.rawValue), "text": .string($0.text)] })
            if let answer = outcome.answer { object["answer"] = .string(answer) }
            content = .object(object)
        }
        let audit = AuditRecord(
            kind: .request, time: ticket.started, requestID: ticket.requestID, keyID: principal.keyID,
            app: principal.app, team: principal.teamName,
            tier: outcome.plan?.tier ?? principal.tier, modelRequested: ticket.request.model,
            modelServed: outcome.deployment, deploymentsTried: outcome.attempts,
            decision: outcome.decision ?? outcome.plan.map { $0.trace.headerValue(chosen: outcome.deployment) },
            dataClasses: (outcome.plan?.dataClasses ?? []).map(\.rawValue),
            tokensIn: outcome.usage?.promptTokens, tokensOut: outcome.usage?.completionTokens,
            tokensCached: outcome.usage?.cachedPromptTokens, costMicros: micros, status: outcome.status,
            latencyMs: Int(elapsed * 1000), content: content)
        var record = RequestRecord(audit: audit)
        if let reservation = ticket.reservation {
            record.settlement = (reservation, outcome.status < 300 ? micros : 0)
        }
        if ticket.chargesTokens, let keyID = principal.keyID, let usage = outcome.usage {
            record.tokenCharge = (keyID, usage.completionTokens, Date())
        }
        if let card = outcome.served {
            record.usage = UsageRecord(
                time: ticket.started, requestID: ticket.requestID, keyID: principal.keyID, app: principal.app,
                team: principal.teamName, model: card.alias, provider: card.provider,
                tokensIn: outcome.usage?.promptTokens ?? 0, tokensOut: outcome.usage?.completionTokens ?? 0,
                tokensCached: outcome.usage?.cachedPromptTokens ?? 0, costMicros: micros,
                latencyMs: Int(elapsed * 1000), status: outcome.status)
        }
        return record
    }

    /// Audits a refused request (policy, auth, limits): no usage, no cost.
    package func refused(_ principal: Principal, request: ChatRequest?, requestID: String, status: Int, reason: String) async {
        await write(
            RequestRecord(
                audit: AuditRecord(
                    kind: .request, time: Date(), requestID: requestID, keyID: principal.keyID, app: principal.app,
                    team: principal.teamName, tier: principal.tier, modelRequested: request?.model,
                    decision: reason, status: status, latencyMs: 0)),
            requestID: requestID)
    }

    /// Audits an admin action (`key.created`, `key.revoked`, …); details never hold a secret.
    package func audit(action: String, requestID: String, details: JSON) async {
        await write(RequestRecord(audit: Self.adminRecord(action: action, requestID: requestID, details: details)), requestID: requestID)
    }

    private func write(_ record: RequestRecord, requestID: String) async {
        do {
            if recordsInline {
                try await store.record([record])
            } else {
                try await committer.submit(record)
            }
        } catch {
            logger.error("accounting failed", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
        }
    }

    /// Group commits done and the records they held, since start.
    package var commitStatistics: (groups: Int, records: Int) {
        let statistics = committer.statistics
        return (statistics.groups, statistics.items)
    }

    // MARK: - Key management

    /// Creates a key and audits it (the record, never the secret).
    package func createKey(_ key: NewKey, requestID: String) async throws -> CreatedKey {
        let created = try await store.createKey(key)
        await audit(action: "key.created", requestID: requestID, details: Self.json(created.record))
        return created
    }

    /// A key as the admin API shows it and its audit records hold it: never its secret or hash.
    package static func json(_ record: KeyRecord) -> JSON {
        var object: JSONObject = [
            "id": .string(record.id), "prefix": .string(record.prefix), "app": .string(record.app),
            "team": record.team.map(JSON.string) ?? .null, "tier": tier(of: record).map(JSON.string) ?? .null,
            "models": record.allowedModels.map { .array($0.map(JSON.string)) } ?? .null,
            "rpm": record.rateLimits.requestsPerMinute.map { JSON($0) } ?? .null,
            "tpm": record.rateLimits.tokensPerMinute.map { JSON($0) } ?? .null,
            "created_at": JSON(Int(record.createdAt.timeIntervalSince1970)),
            "revoked": .bool(record.isRevoked),
        ]
        if let budget = record.budget {
            object["budget"] = ["usd": JSON(Double(budget.amountMicros) / 1_000_000), "period": .string(budget.period.rawValue)]
        }
        return .object(object)
    }

    /// Rotates a key's secret and audits it; the old secret stops working at once in this process.
    package func rotateKey(id: String, requestID: String) async throws -> CreatedKey {
        let created = try await store.rotateKey(id: id)
        forgetKeys()
        await audit(action: "key.rotated", requestID: requestID, details: ["id": .string(id)])
        return created
    }

    /// Revokes a key and audits it; it stops working at once in this process.
    package func revokeKey(id: String, requestID: String) async throws -> KeyRecord {
        let record = try await store.revokeKey(id: id)
        forgetKeys()
        await audit(action: "key.revoked", requestID: requestID, details: ["id": .string(id)])
        return record
    }

    /// Drops every cached key, so the next request of each asks the store again.
    package func forgetKeys() {
        keyCache.withLock { $0 = KeyCache() }
    }

    /// The audit record of an admin action, from the HTTP admin API or the CLI.
    package static func adminRecord(action: String, requestID: String, details: JSON) -> AuditRecord {
        AuditRecord(kind: .admin, time: Date(), requestID: requestID, app: "admin", status: 200, latencyMs: 0, action: action, content: details)
    }

    /// A cheap prompt size estimate: 4 bytes of text per token, plus a few per message.
    static func promptTokens(_ request: ChatRequest) -> Int {
        request.messages.reduce(0) { $0 + $1.text.utf8.count / 4 + 4 }
    }

    static func micros(_ usd: Double) -> Int64 {
        guard usd.isFinite, usd > 0 else { return 0 }
        return Int64(min(usd * 1_000_000, 9e15).rounded(.up))
    }
}

/// The SHA-256 of a presented key, as four words (hashable, compared in constant time): keys are
/// looked up by it, never by the secret itself.
package struct KeyDigest: Hashable, Sendable {
    let words: SIMD4<UInt64>
}
