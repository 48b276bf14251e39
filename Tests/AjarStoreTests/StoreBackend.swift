import AjarCore
import Foundation
import Logging
import Testing

@testable import AjarStore

/// The implementations every shared test runs against: SQLite as the CLI and readers open it,
/// SQLite as the serving process opens it (budgets and rate limits in memory), and PostgreSQL.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case sqliteServing = "sqlite-serving"
    case postgres

    var testDescription: String { rawValue }

    /// The backends where several instances share budgets and rate limits (a SQLite database
    /// has at most one serving process: ``SQLiteServingTests``).
    static let shared: [StoreBackend] = [.sqlite, .postgres]

    static let logger = Logger(label: "ajar.store.tests")

    /// Runs `body` with a fresh, empty store of this kind and a way to run raw SQL against it.
    func withStore<Result: Sendable>(
        logger: Logger = StoreBackend.logger, _ body: (any GatewayStore, RawSQL) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite, .sqliteServing:
            return try await TemporaryStore.with(logger: logger, serving: self == .sqliteServing) { store in
                try await body(store, RawSQL { try await store.execute(rawSQL: $0) })
            }
        case .postgres:
            let url = try await PostgresTestServer.shared.freshDatabaseURL()
            return try await PostgresStore.withStore(url: url, maximumConnections: 8, logger: logger) { store in
                try await body(store, RawSQL { try await store.execute(rawSQL: $0) })
            }
        }
    }

    /// Two separate store instances (two SQLite pools on one file, two PostgreSQL connection pools
    /// on one database), as two gateway processes would have.
    func withTwoStores<Result: Sendable>(
        _ body: (any GatewayStore, any GatewayStore) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .sqlite, .sqliteServing:
            // Two processes on one SQLite file: at most one of them serves it.
            return try await TemporaryStore.with(logger: StoreBackend.logger, serving: self == .sqliteServing) { first in
                let second = try SQLiteStore(path: first.path, logger: StoreBackend.logger)
                do {
                    let result = try await body(first, second)
                    try await second.close()
                    return result
                } catch {
                    try? await second.close()
                    throw error
                }
            }
        case .postgres:
            let url = try await PostgresTestServer.shared.freshDatabaseURL()
            return try await PostgresStore.withStore(url: url, maximumConnections: 8, logger: StoreBackend.logger) {
                first in
                try await PostgresStore.withStore(url: url, maximumConnections: 8, logger: StoreBackend.logger) {
                    second in
                    try await body(first, second)
                }
            }
        }
    }
}

/// Raw SQL against the store's database, for tests that tamper with rows.
struct RawSQL: Sendable {
    let run: @Sendable (String) async throws -> Void

    init(_ run: @escaping @Sendable (String) async throws -> Void) {
        self.run = run
    }

    func callAsFunction(_ sql: String) async throws {
        try await run(sql)
    }
}
