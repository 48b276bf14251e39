import GRDB

extension SQLiteStore {
    /// Runs raw SQL outside the store's API: for tests that tamper with rows. Not for the gateway.
    func execute(rawSQL sql: String) async throws {
        try await run { try await pool.write { db in try db.execute(sql: sql) } }
    }
}

extension SQLiteStore {
    /// A PRAGMA's value as a writer connection sees it (for tests of the durability settings).
    func pragma(_ name: String) async throws -> String? {
        try await run { try await pool.write { db in try String.fetchOne(db, sql: "PRAGMA \(name)") } }
    }
}
