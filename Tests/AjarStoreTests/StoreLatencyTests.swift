import Foundation
import Testing

@testable import AjarStore

/// Measures the per-request store work (authenticate, admit, reserve + settle, usage, audit
/// append) and prints it. A measurement, not a timed test: it asserts only that the work is
/// correct. Runs when `AJAR_STORE_BENCH=1` (numbers from a debug build are pessimistic).
@Suite(
    "Store latency (AJAR_STORE_BENCH=1)", .enabled(if: ProcessInfo.processInfo.environment["AJAR_STORE_BENCH"] == "1"))
struct StoreLatencyTests {
    @Test("per-request store operations, sequential", arguments: StoreBackend.allCases)
    func measure(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let key = try await store.createKey(
                NewKey(
                    app: "bench", team: "t", tier: "minimal", rateLimits: RateLimits(requestsPerMinute: 1_000_000),
                    budget: Budget(amountMicros: 1_000_000_000, period: .month)))
            try await store.upsertTeam(
                TeamRecord(name: "t", budget: Budget(amountMicros: 1_000_000_000, period: .month)))
            let rounds = 500
            let clock = ContinuousClock()
            var authenticate = Duration.zero, admit = Duration.zero, reserveSettle = Duration.zero
            var usage = Duration.zero, audit = Duration.zero
            for index in 0..<rounds {
                let now = Date()
                authenticate += try await clock.measure { () async throws in
                    #expect(try await store.authenticate(key.secret) != nil)
                }
                admit += try await clock.measure {
                    _ = try await store.admit(keyID: key.record.id, tokens: 10, limits: key.record.rateLimits, at: now)
                }
                reserveSettle += try await clock.measure {
                    guard
                        case .reserved(let r) = try await store.reserve(
                            keyID: key.record.id, team: "t", estimateMicros: 100, at: now)
                    else { Issue.record("refused"); return }
                    try await store.settle(r, actualCostMicros: 90)
                }
                usage += try await clock.measure {
                    try await store.recordUsage(
                        UsageRecord(
                            time: now, requestID: "r\(index)", keyID: key.record.id, app: "bench", team: "t",
                            model: "m",
                            provider: "p", tokensIn: 10, tokensOut: 10, costMicros: 90, latencyMs: 5, status: 200))
                }
                audit += try await clock.measure { try await store.appendAudit(AuditStoreTests.record(index)) }
            }
            func perCall(_ total: Duration) -> String {
                let micros = Double(total.components.seconds) * 1e6 + Double(total.components.attoseconds) / 1e12
                return String(Int((micros / Double(rounds)).rounded())) + " µs"
            }
            print(
                "store latency [\(backend.rawValue)], mean of \(rounds): authenticate \(perCall(authenticate)), admit \(perCall(admit)), reserve+settle \(perCall(reserveSettle)), usage \(perCall(usage)), audit append \(perCall(audit))"
            )
            #expect(try await store.verifyAudit().checked == Int64(rounds))
        }
    }
}
