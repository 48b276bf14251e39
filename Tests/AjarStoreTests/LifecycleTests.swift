import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("Opening stores from configuration, and their lifecycle")
struct LifecycleTests {
    /// The way the gateway uses a store: make it, run it in a task, migrate, use, cancel.
    static func exercise(_ configuration: StorageConfiguration) async throws -> String {
        let store = try configuration.makeStore(logger: StoreBackend.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            try await store.migrate()
            try await store.migrate()
            let created = try await store.createKey(NewKey(app: "lifecycle", tier: "minimal"))
            let found = try await store.authenticate(created.secret)
            group.cancelAll()
            try await group.waitForAll()
            try await store.close()
            return found?.app ?? "not found"
        }
    }

    @Test("a SQLite store made from configuration works, and its run() returns when cancelled")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-life-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/dir/ajar.db").path
        #expect(try await Self.exercise(.sqlite(path: path)) == "lifecycle")
        #expect(FileManager.default.fileExists(atPath: path), "the directory was created")
        let reopened = try SQLiteStore(path: path, durability: .full, logger: StoreBackend.logger)
        #expect(try await reopened.pragma("journal_mode") == "wal")
        #expect(try await reopened.pragma("synchronous") == "2", "FULL")
        #expect(
            try await reopened.listKeys(includeRevoked: true).map(\.app) == ["lifecycle"], "data survives reopening")
        try await reopened.close()
    }

    @Test("SQLite runs in WAL mode with synchronous = NORMAL by default")
    func sqliteDurabilitySettings() async throws {
        try await TemporaryStore.with(logger: StoreBackend.logger) { store throws in
            #expect(try await store.pragma("journal_mode") == "wal")
            #expect(try await store.pragma("synchronous") == "1", "NORMAL")
        }
    }

    @Test("a PostgreSQL store made from configuration works, and its run() returns when cancelled")
    func postgres() async throws {
        let url = try await PostgresTestServer.shared.freshDatabaseURL()
        #expect(try await Self.exercise(.postgres(url: url, maximumConnections: 4)) == "lifecycle")
    }

    @Test("a bad PostgreSQL URL is a configuration error")
    func badURL() {
        #expect(throws: StoreError.self) {
            _ = try StorageConfiguration.postgres(url: "http://example.com").makeStore(logger: StoreBackend.logger)
        }
    }
}
