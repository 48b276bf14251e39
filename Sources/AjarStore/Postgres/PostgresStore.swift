import AjarCore
import Foundation
import Logging
import PostgresNIO

/// The shared store: PostgreSQL through postgres-nio's connection pool, for several gateway
/// instances on one database. Every guarantee holds across instances: budgets are reserved with
/// one conditional `UPDATE … RETURNING` per scope (row locks under READ COMMITTED), rate-limit
/// windows are one upsert, and audit appends lock the chain head row (`SELECT … FOR UPDATE`).
///
/// The pool needs ``run()`` running for the store's lifetime (put it in the app's ServiceGroup,
/// or use ``withStore(url:maximumConnections:logger:_:)``), then ``migrate()`` once.
package final class PostgresStore: GatewayStore {
    let client: PostgresClient
    let logger: Logger

    /// Configures the pool; nothing connects until ``run()``.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` for a bad URL.
    package init(url: String, maximumConnections: Int = 20, logger: Logger) throws {
        var configuration = try PostgresURL.configuration(url)
        configuration.options.maximumConnections = max(1, maximumConnections)
        self.logger = logger
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled.
    package func run() async {
        await client.run()
    }

    /// Opens a store, runs its pool and migrations, calls `body`, then stops the pool.
    package static func withStore<Result: Sendable>(
        url: String, maximumConnections: Int = 20, logger: Logger,
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = try PostgresStore(url: url, maximumConnections: maximumConnections, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            do {
                try await store.migrate()
                let result = try await body(store)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// The pool stops when the task running ``run()`` is cancelled; nothing to do here.
    package func close() async throws {}

    // MARK: - Helpers

    /// Runs `body` on one connection inside `BEGIN … COMMIT` (rolled back if it throws), with
    /// PostgreSQL's errors turned into ``StoreError``.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await run {
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let value = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    do {
                        try await connection.query("ROLLBACK", logger: logger)
                    } catch {
                        // Never hand a connection that may still be inside a transaction back to the pool.
                        try? await connection.close()
                    }
                    throw error
                }
            }
        }
    }

    /// Runs `body` on one pooled connection without a transaction (single statements, reads).
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await run {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// Runs `body`, turning postgres-nio's errors into ``StoreError`` (without query or binds).
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw StoreError.database(PostgresStore.describe(error))
        }
    }

    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "PostgreSQL: \(message)\(code)"
        }
        return "PostgreSQL client: \(error.code.description)"
    }

    /// Reads every row of a query, decoding each with `decode`.
    func all<T>(
        _ connection: PostgresConnection, _ query: PostgresQuery, _ decode: (PostgresRow) throws -> T
    ) async throws -> [T] {
        var out: [T] = []
        for try await row in try await connection.query(query, logger: logger) {
            out.append(try decode(row))
        }
        return out
    }

    /// The first row of a query, decoded, or `nil`.
    func first<T>(
        _ connection: PostgresConnection, _ query: PostgresQuery, _ decode: (PostgresRow) throws -> T
    ) async throws -> T? {
        // Reads the whole result (at most a few rows here), so the connection is left clean.
        try await all(connection, query, decode).first
    }
}
