import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("Keys and teams, on both backends")
struct KeyStoreTests {
    static let newKey = NewKey(
        app: "support-bot", team: "care", tier: "high", allowedModels: ["open-chat", "gpt-small"],
        rateLimits: RateLimits(requestsPerMinute: 600, tokensPerMinute: 90_000),
        budget: Budget(amountMicros: 50_000_000, period: .month))

    @Test(
        "a created key authenticates with its secret and carries everything it was made with",
        arguments: StoreBackend.allCases)
    func createAndAuthenticate(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let created = try await store.createKey(Self.newKey)
            let secret = created.secret.value
            #expect(secret.hasPrefix("ajar-sk-"))
            #expect(secret.count == 48)
            #expect(created.record.prefix == String(secret.prefix(14)))
            #expect(created.record.id.hasPrefix("key_"))

            let found = try #require(try await store.authenticate(created.secret))
            #expect(found == created.record)
            #expect(found.app == "support-bot")
            #expect(found.team == "care")
            #expect(found.tier == "high")
            #expect(found.allowedModels == ["open-chat", "gpt-small"])
            #expect(found.allows(model: "open-chat"))
            #expect(!found.allows(model: "gpt-huge"))
            #expect(found.rateLimits == RateLimits(requestsPerMinute: 600, tokensPerMinute: 90_000))
            #expect(found.budget == Budget(amountMicros: 50_000_000, period: .month))
            #expect(try await store.key(id: created.record.id) == created.record)
        }
    }

    @Test("unknown, altered and malformed secrets do not authenticate", arguments: StoreBackend.allCases)
    func wrongSecrets(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let created = try await store.createKey(NewKey(app: "a", tier: "minimal"))
            var altered = Array(created.secret.value)
            altered[altered.count - 1] = altered[altered.count - 1] == "a" ? "b" : "a"
            #expect(try await store.authenticate(Secret(String(altered))) == nil)
            #expect(try await store.authenticate(Secret("ajar-sk-" + KeySecret.randomBase62(count: 40))) == nil)
            for malformed in [
                "", "ajar-sk-", "Bearer x", created.secret.value + "x", "ajar-sk-" + String(repeating: "!", count: 40),
            ] {
                #expect(try await store.authenticate(Secret(malformed)) == nil)
            }
            #expect(try await store.authenticate(created.secret) != nil)
        }
    }

    @Test("rotation replaces the secret and keeps the key; revocation ends it", arguments: StoreBackend.allCases)
    func rotateAndRevoke(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let created = try await store.createKey(Self.newKey)
            let rotated = try await store.rotateKey(id: created.record.id)
            #expect(rotated.record.id == created.record.id)
            #expect(rotated.secret != created.secret)
            #expect(rotated.record.rotatedAt != nil)
            #expect(rotated.record.budget == created.record.budget)
            #expect(try await store.authenticate(created.secret) == nil)
            #expect(try await store.authenticate(rotated.secret)?.id == created.record.id)

            let revoked = try await store.revokeKey(id: created.record.id)
            #expect(revoked.isRevoked)
            #expect(try await store.authenticate(rotated.secret) == nil)
            #expect(try await store.listKeys(includeRevoked: false).isEmpty)
            #expect(try await store.listKeys(includeRevoked: true).map(\.id) == [created.record.id])
            await #expect(throws: StoreError.keyNotFound(created.record.id)) {
                try await store.rotateKey(id: created.record.id)
            }
            await #expect(throws: StoreError.keyNotFound("key_missing")) {
                try await store.revokeKey(id: "key_missing")
            }
            #expect(try await store.key(id: "key_missing") == nil)
        }
    }

    @Test(
        "keys are listed newest first; invalid keys are refused with the field named", arguments: StoreBackend.allCases)
    func listAndValidate(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let first = try await store.createKey(NewKey(app: "one", tier: "minimal"))
            try await Task.sleep(for: .milliseconds(5))
            let second = try await store.createKey(NewKey(app: "two", tier: "minimal"))
            #expect(try await store.listKeys(includeRevoked: false).map(\.id) == [second.record.id, first.record.id])
            await #expect(throws: StoreError.invalidArgument("app must not be empty")) {
                try await store.createKey(NewKey(app: "", tier: "minimal"))
            }
            await #expect(throws: StoreError.invalidArgument("budget must not be negative")) {
                try await store.createKey(
                    NewKey(app: "x", tier: "minimal", budget: Budget(amountMicros: -1, period: .day)))
            }
        }
    }

    @Test("the secret is never stored, printed or listed", arguments: StoreBackend.allCases)
    func secretNeverLeaks(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let created = try await store.createKey(Self.newKey)
            let secret = created.secret.value
            #expect(!"\(created)".contains(secret))
            #expect(!String(reflecting: created).contains(secret))
            let listed = try await store.listKeys(includeRevoked: true)
            #expect(!"\(listed)".contains(secret))
            #expect(!"\(listed)".contains(KeySecret.hash(created.secret)))
        }
    }

    @Test("teams are created, updated and listed by name", arguments: StoreBackend.allCases)
    func teams(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            try await store.upsertTeam(
                TeamRecord(name: "research", budget: Budget(amountMicros: 5_000_000, period: .day)))
            try await store.upsertTeam(TeamRecord(name: "care"))
            try await store.upsertTeam(
                TeamRecord(name: "research", budget: Budget(amountMicros: 7_000_000, period: .month)))
            #expect(
                try await store.listTeams() == [
                    TeamRecord(name: "care"),
                    TeamRecord(name: "research", budget: Budget(amountMicros: 7_000_000, period: .month)),
                ])
            #expect(try await store.team(name: "care") == TeamRecord(name: "care"))
            #expect(try await store.team(name: "nobody") == nil)
            await #expect(throws: StoreError.invalidArgument("team name must not be empty")) {
                try await store.upsertTeam(TeamRecord(name: ""))
            }
        }
    }
}
