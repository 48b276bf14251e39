import AjarCore
import Foundation
import Logging
import Synchronization
import Testing

@testable import AjarStore

@Suite("Bad data and logs, on both backends")
struct RobustnessTests {
    /// Collects every log line (message and metadata) so a test can search it.
    final class CapturedLog: Sendable {
        let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let line = "\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)"
            log.lines.withLock { $0.append(line) }
        }
    }

    @Test(
        "creating, rotating, authenticating and revoking a key logs neither its secret nor its hash",
        arguments: StoreBackend.allCases)
    func noSecretsInLogs(backend: StoreBackend) async throws {
        let log = CapturedLog()
        let logger = Logger(label: "capture") { _ in CapturingHandler(log: log) }
        let secrets: [String] = try await backend.withStore(logger: logger) { store, _ in
            let created = try await store.createKey(NewKey(app: "a", tier: "minimal"))
            let rotated = try await store.rotateKey(id: created.record.id)
            _ = try await store.authenticate(rotated.secret)
            _ = try await store.authenticate(created.secret)
            _ = try await store.revokeKey(id: created.record.id)
            return [
                created.secret.value, rotated.secret.value, KeySecret.hash(created.secret),
                KeySecret.hash(rotated.secret),
            ]
        }
        #expect(log.text.contains("key created"), "the capture works")
        for secret in secrets {
            #expect(!log.text.contains(secret))
            #expect(!log.text.contains(String(secret.suffix(20))))
        }
    }

    @Test("a corrupt key row is reported as a store error, not a crash", arguments: StoreBackend.allCases)
    func corruptKeyRow(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            let created = try await store.createKey(
                NewKey(app: "a", tier: "minimal", budget: Budget(amountMicros: 5, period: .day)))
            try await sql("UPDATE keys SET budget_period = 'fortnight'")
            await #expect(throws: StoreError.database("a stored budget has an unknown period")) {
                try await store.key(id: created.record.id)
            }
            try await sql("UPDATE keys SET budget_period = 'day', allowed_models = '{not json'")
            await #expect(throws: StoreError.self) { try await store.authenticate(created.secret) }
        }
    }

    @Test(
        "audit rows that are not JSON or carry a malformed hash are reported as altered",
        arguments: StoreBackend.allCases)
    func corruptAuditRows(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await AuditStoreTests.fill(store, count: 3)
            try await sql("UPDATE audit_log SET record = '{\"unterminated' WHERE seq = 2")
            let first = try #require(try await store.verifyAudit().firstBreak)
            #expect(first.seq == 2)
            #expect(first.reason == .altered)
        }
        try await backend.withStore { store, sql in
            try await AuditStoreTests.fill(store, count: 3)
            try await sql("UPDATE audit_log SET prev_hash = 'xyz' WHERE seq = 3")
            let first = try #require(try await store.verifyAudit().firstBreak)
            #expect(first.seq == 3)
            #expect(first.reason == .altered)
        }
    }
}
