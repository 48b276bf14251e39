import Foundation
import Testing

@testable import AjarStore

@Suite("Per-key rate limits in a shared one-minute window, on both backends")
struct RateLimitStoreTests {
    /// 2026-12-02 10:00:15 UTC: 45 s left in the window.
    static let at = Date(timeIntervalSince1970: 1_796_205_615)

    @Test("requests per minute: the limit is counted per key and says when to retry", arguments: StoreBackend.allCases)
    func requestsPerMinute(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ throws in
            let limits = RateLimits(requestsPerMinute: 3)
            for _ in 0..<3 {
                #expect(try await store.admit(keyID: "key_a", tokens: 10, limits: limits, at: Self.at) == .allowed)
            }
            #expect(
                try await store.admit(keyID: "key_a", tokens: 10, limits: limits, at: Self.at.addingTimeInterval(30))
                    == .limited(retryAfter: 15, limit: .requests))
            #expect(try await store.admit(keyID: "key_b", tokens: 10, limits: limits, at: Self.at) == .allowed)
            #expect(
                try await store.admit(keyID: "key_a", tokens: 10, limits: limits, at: Self.at.addingTimeInterval(45))
                    == .allowed)
        }
    }

    @Test(
        "tokens per minute: a request that would pass the limit is refused and not counted",
        arguments: StoreBackend.allCases)
    func tokensPerMinute(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ throws in
            let limits = RateLimits(requestsPerMinute: 100, tokensPerMinute: 1000)
            #expect(try await store.admit(keyID: "k", tokens: 700, limits: limits, at: Self.at) == .allowed)
            #expect(
                try await store.admit(keyID: "k", tokens: 301, limits: limits, at: Self.at)
                    == .limited(retryAfter: 45, limit: .tokens))
            #expect(try await store.admit(keyID: "k", tokens: 300, limits: limits, at: Self.at) == .allowed)
            #expect(
                try await store.admit(keyID: "k", tokens: 1001, limits: limits, at: Self.at.addingTimeInterval(60))
                    == .limited(retryAfter: 45, limit: .tokens))
            #expect(
                try await store.admit(keyID: "k", tokens: 1000, limits: limits, at: Self.at.addingTimeInterval(60))
                    == .allowed)
            #expect(try await store.admit(keyID: "k", tokens: 5, limits: RateLimits(), at: Self.at) == .allowed)
        }
    }

    @Test("tokens charged after a call count against the window", arguments: StoreBackend.allCases)
    func chargedTokens(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ throws in
            let limits = RateLimits(tokensPerMinute: 1000)
            #expect(try await store.admit(keyID: "k", tokens: 100, limits: limits, at: Self.at) == .allowed)
            try await store.chargeTokens(keyID: "k", tokens: 850, at: Self.at)
            try await store.chargeTokens(keyID: "k", tokens: -5, at: Self.at)
            #expect(
                try await store.admit(keyID: "k", tokens: 51, limits: limits, at: Self.at)
                    == .limited(retryAfter: 45, limit: .tokens))
            #expect(try await store.admit(keyID: "k", tokens: 50, limits: limits, at: Self.at) == .allowed)
            // Charged into a window nobody has opened yet: the next admission sees it.
            try await store.chargeTokens(keyID: "fresh", tokens: 990, at: Self.at)
            #expect(
                try await store.admit(keyID: "fresh", tokens: 11, limits: limits, at: Self.at)
                    == .limited(retryAfter: 45, limit: .tokens))
        }
    }

    @Test("concurrent requests from two instances never pass the limit together", arguments: StoreBackend.shared)
    func sharedAcrossInstances(backend: StoreBackend) async throws {
        try await backend.withTwoStores { first, second in
            let limits = RateLimits(requestsPerMinute: 25)
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<80 {
                    let store = index % 2 == 0 ? first : second
                    group.addTask {
                        try await store.admit(keyID: "shared", tokens: 1, limits: limits, at: Self.at) == .allowed
                    }
                }
                var count = 0
                for try await ok in group where ok { count += 1 }
                return count
            }
            #expect(allowed == 25)
        }
    }

    @Test("the window's retry-after is whole seconds, at least one")
    func window() {
        #expect(RateWindow(nowMs: 1_796_205_615_000).retryAfter == 45)
        #expect(RateWindow(nowMs: 1_796_205_659_999).retryAfter == 1)
        #expect(RateWindow(nowMs: 1_796_205_600_000).retryAfter == 60)
        #expect(RateWindow(nowMs: 1_796_205_615_000).startMs == 1_796_205_600_000)
        #expect(RateWindow(nowMs: -1).startMs == -60_000)
    }
}
