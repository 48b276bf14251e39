import AjarCore
import Foundation
import GRDB

extension SQLiteStore {
    package func createKey(_ key: NewKey) async throws -> CreatedKey {
        let (created, hash) = try key.mint()
        let record = created.record
        try await run {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO keys (id, prefix, secret_hash, app, team, tier, allowed_models, rpm, tpm,
                                          budget_micros, budget_period, created_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.id, record.prefix, hash, record.app, record.team, record.tier,
                        KeyColumns.encodeModels(record.allowedModels), record.rateLimits.requestsPerMinute,
                        record.rateLimits.tokensPerMinute, record.budget?.amountMicros,
                        record.budget?.period.rawValue, record.createdAt.millisecondsSince1970,
                    ])
            }
        }
        logger.info("key created", metadata: ["key.id": "\(record.id)", "app.id": "\(record.app)"])
        return created
    }

    package func listKeys(includeRevoked: Bool) async throws -> [KeyRecord] {
        try await run {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT \(KeyColumns.selectList) FROM keys \(includeRevoked ? "" : "WHERE revoked_ms IS NULL") ORDER BY created_ms DESC, id"
                ).map { try SQLiteStore.keyColumns($0).record() }
            }
        }
    }

    package func key(id: String) async throws -> KeyRecord? {
        try await run {
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT \(KeyColumns.selectList) FROM keys WHERE id = ?", arguments: [id])
                    .map { try SQLiteStore.keyColumns($0).record() }
            }
        }
    }

    package func rotateKey(id: String) async throws -> CreatedKey {
        let secret = KeySecret.generate()
        let prefix = KeySecret.displayPrefix(of: secret)
        let hash = KeySecret.hash(secret)
        let now = Date().millisecondsSince1970
        let record = try await run {
            try await pool.write { db -> KeyRecord? in
                try db.execute(
                    sql:
                        "UPDATE keys SET prefix = ?, secret_hash = ?, rotated_ms = ? WHERE id = ? AND revoked_ms IS NULL",
                    arguments: [prefix, hash, now, id])
                guard db.changesCount == 1 else { return nil }
                return try Row.fetchOne(
                    db, sql: "SELECT \(KeyColumns.selectList) FROM keys WHERE id = ?", arguments: [id]
                )
                .map { try SQLiteStore.keyColumns($0).record() }
            }
        }
        guard let record else { throw StoreError.keyNotFound(id) }
        logger.info("key rotated", metadata: ["key.id": "\(id)"])
        return CreatedKey(record: record, secret: secret)
    }

    package func revokeKey(id: String) async throws -> KeyRecord {
        let now = Date().millisecondsSince1970
        let record = try await run {
            try await pool.write { db -> KeyRecord? in
                try db.execute(
                    sql: "UPDATE keys SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?", arguments: [now, id])
                return try Row.fetchOne(
                    db, sql: "SELECT \(KeyColumns.selectList) FROM keys WHERE id = ?", arguments: [id]
                )
                .map { try SQLiteStore.keyColumns($0).record() }
            }
        }
        guard let record else { throw StoreError.keyNotFound(id) }
        logger.info("key revoked", metadata: ["key.id": "\(id)"])
        return record
    }

    package func authenticate(_ secret: Secret) async throws -> KeyRecord? {
        guard KeySecret.isWellFormed(secret) else { return nil }
        let prefix = KeySecret.displayPrefix(of: secret)
        let hash = KeySecret.hash(secret)
        let candidates = try await run {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT secret_hash, \(KeyColumns.selectList) FROM keys WHERE prefix = ? AND revoked_ms IS NULL",
                    arguments: [prefix]
                ).map { row -> (String, KeyColumns) in
                    (try row.decode(forColumn: "secret_hash"), try SQLiteStore.keyColumns(row))
                }
            }
        }
        return try KeyColumns.match(candidates, hash: hash)
    }

    // MARK: - Teams

    package func upsertTeam(_ team: TeamRecord) async throws {
        try team.validate()
        try await run {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO teams (name, budget_micros, budget_period) VALUES (?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET budget_micros = excluded.budget_micros,
                                                         budget_period = excluded.budget_period
                        """,
                    arguments: [team.name, team.budget?.amountMicros, team.budget?.period.rawValue])
            }
        }
    }

    package func listTeams() async throws -> [TeamRecord] {
        try await run {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, budget_micros, budget_period FROM teams ORDER BY name")
                    .map(SQLiteStore.team)
            }
        }
    }

    package func team(name: String) async throws -> TeamRecord? {
        try await run {
            try await pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT name, budget_micros, budget_period FROM teams WHERE name = ?", arguments: [name]
                ).map(SQLiteStore.team)
            }
        }
    }

    // MARK: - Rows

    static func keyColumns(_ row: Row) throws -> KeyColumns {
        KeyColumns(
            id: try row.decode(forColumn: "id"), prefix: try row.decode(forColumn: "prefix"),
            app: try row.decode(forColumn: "app"), team: try row.decode(forColumn: "team"),
            tier: try row.decode(forColumn: "tier"), allowedModels: try row.decode(forColumn: "allowed_models"),
            rpm: try row.decode(forColumn: "rpm"), tpm: try row.decode(forColumn: "tpm"),
            budgetMicros: try row.decode(forColumn: "budget_micros"),
            budgetPeriod: try row.decode(forColumn: "budget_period"),
            createdMs: try row.decode(forColumn: "created_ms"), rotatedMs: try row.decode(forColumn: "rotated_ms"),
            revokedMs: try row.decode(forColumn: "revoked_ms"))
    }

    static func team(_ row: Row) throws -> TeamRecord {
        TeamRecord(
            name: try row.decode(forColumn: "name"),
            budget: try KeyColumns.budget(
                micros: try row.decode(forColumn: "budget_micros"), period: try row.decode(forColumn: "budget_period")))
    }
}
