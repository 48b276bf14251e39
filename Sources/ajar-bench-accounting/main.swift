// Release-mode benchmark of the accounting path alone, without HTTP: CPU microseconds per request
// for each step a keyed, budgeted request takes through the Accountant on the serving SQLite
// store (authenticate → admit → finish with usage and audit), 64 requests in flight.
//
//     swift build -c release --product ajar-bench-accounting && .build/release/ajar-bench-accounting
import AjarCore
import AjarGateway
import AjarPolicy
import AjarStore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let requests = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 40_000
let inFlight = 64
let logger = Logger(label: "bench")
let card = ModelCard(alias: "bench-model", provider: "upstream", hosting: .vendor, pricing: Pricing(input: 0.15, output: 0.6))
let request = ChatRequest(model: "bench-model", messages: [ChatMessage(role: .user, text: String(repeating: "word ", count: 80))])
let decision = "tier=limited; classes=none; model=upstream/bench-model; allowed=bench-model"
let plan = try PolicyEngine().plan(request: request, principal: Principal(app: "bench", team: "bench"), candidates: [card])

/// Runs `step` `requests` times, `inFlight` at a time; returns CPU µs per request.
@MainActor func measure(_ name: String, _ step: @escaping @Sendable (Int) async throws -> Void) async throws {
    // `ajar-bench-accounting N WORD` runs only the steps whose name contains WORD (for profiling).
    if CommandLine.arguments.count > 2, !name.contains(CommandLine.arguments[2]) { return }
    let start = cpuSeconds()
    let clock = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<inFlight {
            group.addTask {
                var n = lane
                while n < requests {
                    try await step(n)
                    n += inFlight
                }
            }
        }
        try await group.waitForAll()
    }
    let cpu = (cpuSeconds() - start) / Double(requests) * 1e6
    let wall = (ContinuousClock.now - clock) / .microseconds(1) / Double(requests)
    let commits = accountant.commitStatistics
    print("\(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", cpu)) µs CPU  \(String(format: "%6.1f", wall)) µs wall per request, \(commits.records) records in \(commits.groups) group commits so far")
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-bench-accounting-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let store = try SQLiteStore(path: directory.appendingPathComponent("ajar.db").path, serving: true, logger: logger)
let created = try await store.createKey(
    NewKey(app: "bench", team: "bench", tier: Accountant.defaultTierMarker, rateLimits: RateLimits(requestsPerMinute: 100_000_000),
           budget: Budget(amountMicros: 1_000_000_000_000, period: .month)))
let accountant = Accountant(store: store, adminKey: Secret("bench-admin"), logger: logger)
let secret = created.secret.value
print("\(requests) requests, \(inFlight) in flight, serving SQLite store (\(directory.path))")
try await measure("authenticate (cached key)") { _ in _ = try await accountant.authenticate(secret) }
try await measure("authenticate + admit") { n in
    let principal = try await accountant.authenticate(secret)
    _ = try await accountant.admit(principal, request: request, requestID: "r\(n)", cards: [card])
}
try await measure("authenticate + admit + finish (usage, audit)") { n in
    let principal = try await accountant.authenticate(secret)
    let ticket = try await accountant.admit(principal, request: request, requestID: "f\(n)", cards: [card])
    await accountant.finish(
        .init(ticket: ticket, status: 200, usage: Usage(promptTokens: 100, completionTokens: 20), served: card,
              deployment: "upstream/bench-model", attempts: ["upstream/bench-model"], plan: plan, decision: decision, answer: nil))
}
let outcome = { (ticket: Accountant.Ticket) in
    Accountant.Outcome(
        ticket: ticket, status: 200, usage: Usage(promptTokens: 100, completionTokens: 20), served: card,
        deployment: "upstream/bench-model", attempts: ["upstream/bench-model"], plan: plan, decision: decision, answer: nil)
}
let ticket = try await accountant.admit(try await accountant.authenticate(secret), request: request, requestID: "t", cards: [card])
try await measure("finish: build the records") { _ in _ = accountant.record(of: outcome(ticket)) }
let built = accountant.record(of: outcome(ticket))
try await measure("finish: canonical audit encoding") { _ in _ = AuditChain.canonicalBytes(built.audit) }
try await measure("finish: store.commit, groups of 32") { n in
    if n % 32 == 0 { _ = try await store.commit(Array(repeating: RequestRecord(usage: built.usage, audit: built.audit), count: 32)) }
}
try await measure("finish: store.record (journal, applied behind)") { _ in
    try await store.record([RequestRecord(usage: built.usage, audit: built.audit)])
}
try await measure("audit record only (canonical JSON + hash + append)") { n in
    await accountant.audit(action: "bench", requestID: "a\(n)", details: ["n": .int(Int64(n))])
}
if CommandLine.arguments.count <= 2 {
    let verification = try await store.verifyAudit()
    print("audit chain intact: \(verification.isIntact), \(verification.checked) records")
}
try await store.close()
