import GRDB

extension SQLiteStore {
    /// The schema, one migration per change. Never edit a migration that has shipped: add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: keys, teams, budgets, rate windows, usage, audit chain") { db in
            try db.execute(
                sql: """
                    CREATE TABLE keys (
                        id TEXT PRIMARY KEY,
                        prefix TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        app TEXT NOT NULL,
                        team TEXT,
                        tier TEXT NOT NULL,
                        allowed_models TEXT,
                        rpm INTEGER,
                        tpm INTEGER,
                        budget_micros INTEGER,
                        budget_period TEXT,
                        created_ms INTEGER NOT NULL,
                        rotated_ms INTEGER,
                        revoked_ms INTEGER
                    );
                    CREATE INDEX keys_prefix ON keys (prefix);
                    CREATE TABLE teams (
                        name TEXT PRIMARY KEY,
                        budget_micros INTEGER,
                        budget_period TEXT
                    );
                    CREATE TABLE budget_counters (
                        scope TEXT NOT NULL,
                        period TEXT NOT NULL,
                        spent INTEGER NOT NULL DEFAULT 0,
                        reserved INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (scope, period)
                    );
                    CREATE TABLE reservations (
                        id TEXT PRIMARY KEY,
                        amount INTEGER NOT NULL,
                        key_scope TEXT,
                        key_period TEXT,
                        team_scope TEXT,
                        team_period TEXT,
                        created_ms INTEGER NOT NULL
                    );
                    CREATE INDEX reservations_created ON reservations (created_ms);
                    CREATE TABLE rate_windows (
                        key_id TEXT NOT NULL,
                        window_ms INTEGER NOT NULL,
                        requests INTEGER NOT NULL,
                        tokens INTEGER NOT NULL,
                        PRIMARY KEY (key_id, window_ms)
                    );
                    CREATE TABLE usage (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        time_ms INTEGER NOT NULL,
                        day TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        key_id TEXT,
                        app TEXT,
                        team TEXT,
                        model TEXT NOT NULL,
                        provider TEXT NOT NULL,
                        tokens_in INTEGER NOT NULL,
                        tokens_out INTEGER NOT NULL,
                        tokens_cached INTEGER NOT NULL,
                        cost_micros INTEGER NOT NULL,
                        latency_ms INTEGER NOT NULL,
                        status INTEGER NOT NULL
                    );
                    CREATE INDEX usage_time ON usage (time_ms);
                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY,
                        time_ms INTEGER NOT NULL,
                        request_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        record TEXT NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_log_time ON audit_log (time_ms);
                    CREATE INDEX audit_log_hash ON audit_log (hash);
                    CREATE TABLE audit_head (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        seq INTEGER NOT NULL,
                        hash TEXT NOT NULL
                    );
                    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(AuditChain.genesisHash)');
                    """)
        }
        // Appends then dirty the chain's tail and the time index only, not a random page of a
        // hash index per record; verify looks a hash up only after it found a break.
        migrator.registerMigration("v2: no index on audit hashes") { db in
            try db.execute(sql: "DROP INDEX IF EXISTS audit_log_hash")
        }
        registerDashboardIndexes(&migrator)
        // A request's usage was a row of its own in `usage` (one more INSERT, B-tree index and
        // AUTOINCREMENT counter per request); it now rides in the request's audit row. Earlier
        // rows stay where they are, and `usage_rows` reads both.
        migrator.registerMigration("v5: usage in the audit row") { db in
            try db.execute(
                sql: """
                    ALTER TABLE audit_log ADD COLUMN team TEXT;
                    ALTER TABLE audit_log ADD COLUMN usage_model TEXT;
                    ALTER TABLE audit_log ADD COLUMN usage_provider TEXT;
                    ALTER TABLE audit_log ADD COLUMN tokens_in INTEGER;
                    ALTER TABLE audit_log ADD COLUMN tokens_out INTEGER;
                    ALTER TABLE audit_log ADD COLUMN tokens_cached INTEGER;
                    ALTER TABLE audit_log ADD COLUMN cost_micros INTEGER;
                    ALTER TABLE audit_log ADD COLUMN latency_ms INTEGER;
                    CREATE VIEW usage_rows AS
                        SELECT time_ms, day, key_id, team, model, tokens_in, tokens_out, tokens_cached, cost_micros,
                               latency_ms, status
                        FROM usage
                        UNION ALL
                        SELECT time_ms, strftime('%Y-%m-%d', time_ms / 1000, 'unixepoch'), key_id, team, usage_model,
                               tokens_in, tokens_out, tokens_cached, cost_micros, latency_ms, status
                        FROM audit_log WHERE usage_model IS NOT NULL;
                    """)
        }
        // The serving process journals records before applying them (``RecordJournal``); the
        // apply transaction records the last journal frame it applied.
        migrator.registerMigration("v6: journal applied") { db in
            try db.execute(sql: "ALTER TABLE audit_head ADD COLUMN journal_applied INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }
}
