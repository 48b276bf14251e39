import Logging

/// Where the gateway keeps its state: `storage: {sqlite: PATH}` or `storage: {postgres: URL}` in ajar.yaml.
package enum StorageConfiguration: Sendable, Hashable {
    /// A SQLite file; the embedded default is `.ajar/ajar.db`.
    case sqlite(path: String, durability: SQLiteStore.Durability = .normal)
    /// A PostgreSQL URL (`postgres://user:password@host:port/database?sslmode=…`).
    case postgres(url: String, maximumConnections: Int = 20)

    /// The embedded default.
    package static let `default` = StorageConfiguration.sqlite(path: ".ajar/ajar.db")

    /// Opens the store. Then run ``GatewayStore/run()`` for its lifetime (a ServiceGroup service)
    /// and call ``GatewayStore/migrate()`` once it runs.
    /// - Parameter serving: for `ajar serve`: a SQLite database then has this one serving process
    ///   (see ``SQLiteStore/init(path:durability:serving:logger:)``); PostgreSQL is shared anyway.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` or ``StoreError/migration(_:)``.
    package func makeStore(serving: Bool = false, logger: Logger) throws -> any GatewayStore {
        switch self {
        case .sqlite(let path, let durability):
            try SQLiteStore(path: path, durability: durability, serving: serving, logger: logger)
        case .postgres(let url, let maximumConnections):
            try PostgresStore(url: url, maximumConnections: maximumConnections, logger: logger)
        }
    }
}
