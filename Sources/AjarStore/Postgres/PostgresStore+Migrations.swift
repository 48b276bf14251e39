import Foundation
import PostgresNIO

extension PostgresStore {
    /// The schema, one migration per change, each a list of statements (the extended protocol
    /// runs one statement per query). Never edit a migration that has shipped: add one.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "v1: keys, teams, budgets, rate windows, usage, audit chain",
            [
                """
                CREATE TABLE keys (
                    id TEXT PRIMARY KEY,
                    prefix TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    app TEXT NOT NULL,
                    team TEXT,
                    tier TEXT NOT NULL,
                    allowed_models TEXT,
                    rpm BIGINT,
                    tpm BIGINT,
                    budget_micros BIGINT,
                    budget_period TEXT,
                    created_ms BIGINT NOT NULL,
                    rotated_ms BIGINT,
                    revoked_ms BIGINT
                )
                """,
                "CREATE INDEX keys_prefix ON keys (prefix)",
                "CREATE TABLE teams (name TEXT PRIMARY KEY, budget_micros BIGINT, budget_period TEXT)",
                """
                CREATE TABLE budget_counters (
                    scope TEXT NOT NULL,
                    period TEXT NOT NULL,
                    spent BIGINT NOT NULL DEFAULT 0,
                    reserved BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (scope, period)
                )
                """,
                """
                CREATE TABLE reservations (
                    id TEXT PRIMARY KEY,
                    amount BIGINT NOT NULL,
                    key_scope TEXT,
                    key_period TEXT,
                    team_scope TEXT,
                    team_period TEXT,
                    created_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX reservations_created ON reservations (created_ms)",
                """
                CREATE TABLE rate_windows (
                    key_id TEXT NOT NULL,
                    window_ms BIGINT NOT NULL,
                    requests BIGINT NOT NULL,
                    tokens BIGINT NOT NULL,
                    PRIMARY KEY (key_id, window_ms)
                )
                """,
                """
                CREATE TABLE usage (
                    id BIGSERIAL PRIMARY KEY,
                    time_ms BIGINT NOT NULL,
                    day TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    key_id TEXT,
                    app TEXT,
                    team TEXT,
                    model TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    tokens_in BIGINT NOT NULL,
                    tokens_out BIGINT NOT NULL,
                    tokens_cached BIGINT NOT NULL,
                    cost_micros BIGINT NOT NULL,
                    latency_ms BIGINT NOT NULL,
                    status BIGINT NOT NULL
                )
                """,
                "CREATE INDEX usage_time ON usage (time_ms)",
                """
                CREATE TABLE audit_log (
                    seq BIGINT PRIMARY KEY,
                    time_ms BIGINT NOT NULL,
                    request_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    record TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                "CREATE INDEX audit_log_time ON audit_log (time_ms)",
                "CREATE INDEX audit_log_hash ON audit_log (hash)",
                """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq BIGINT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(AuditChain.genesisHash)')",
            ]
        ),
        (
            // Appends touch the chain's tail and the time index only; verify looks a hash up
            // only after it found a break (a scan then is fine).
            name: "v2: no index on audit hashes",
            statements: ["DROP INDEX IF EXISTS audit_log_hash"]
        ),
    ] + dashboardMigrations

    /// Brings the schema up to date. Safe to run from several instances at once: the first takes
    /// a transaction-scoped advisory lock, the others wait and then find nothing to do.
    /// - Throws: ``StoreError/migration(_:)``.
    package func migrate() async throws {
        do {
            try await transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7316240001)", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS ajar_schema_migrations (name TEXT PRIMARY KEY, applied_ms BIGINT NOT NULL)",
                    logger: logger)
                let applied = Set(
                    try await all(connection, "SELECT name FROM ajar_schema_migrations") { try $0.decode(String.self) })
                for migration in PostgresStore.migrations where !applied.contains(migration.name) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO ajar_schema_migrations (name, applied_ms) VALUES (\(migration.name), \(Date().millisecondsSince1970))",
                        logger: logger)
                }
            }
        } catch let error as StoreError {
            if case .database(let message) = error { throw StoreError.migration(message) }
            throw error
        }
    }
}
