import PostgresNIO

extension PostgresStore {
    /// Runs raw SQL outside the store's API and outside a transaction (so `CREATE DATABASE`
    /// works): for tests that tamper with rows or make databases. Not for the gateway.
    func execute(rawSQL sql: String) async throws {
        try await run { try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
    }
}
