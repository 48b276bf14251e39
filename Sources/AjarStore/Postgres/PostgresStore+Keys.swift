import AjarCore
import Foundation
import PostgresNIO

extension PostgresStore {
    package func createKey(_ key: NewKey) async throws -> CreatedKey {
        let (created, hash) = try key.mint()
        let record = created.record
        let models = KeyColumns.encodeModels(record.allowedModels)
        let rpm = record.rateLimits.requestsPerMinute.map(Int64.init)
        let tpm = record.rateLimits.tokensPerMinute.map(Int64.init)
        let budgetMicros = record.budget?.amountMicros
        let budgetPeriod = record.budget?.period.rawValue
        let createdMs = record.createdAt.millisecondsSince1970
        try await run {
            try await client.query(
                """
                INSERT INTO keys (id, prefix, secret_hash, app, team, tier, allowed_models, rpm, tpm,
                                  budget_micros, budget_period, created_ms)
                VALUES (\(record.id), \(record.prefix), \(hash), \(record.app), \(record.team), \(record.tier),
                        \(models), \(rpm), \(tpm), \(budgetMicros), \(budgetPeriod), \(createdMs))
                """, logger: logger)
        }
        logger.info("key created", metadata: ["key.id": "\(record.id)", "app.id": "\(record.app)"])
        return created
    }

    package func listKeys(includeRevoked: Bool) async throws -> [KeyRecord] {
        let filter = includeRevoked ? "" : "WHERE revoked_ms IS NULL"
        return try await withConnection { connection in
            try await all(
                connection,
                PostgresQuery(
                    unsafeSQL: "SELECT \(KeyColumns.selectList) FROM keys \(filter) ORDER BY created_ms DESC, id"),
                PostgresStore.keyColumns
            ).map { try $0.record() }
        }
    }

    package func key(id: String) async throws -> KeyRecord? {
        try await withConnection { connection in
            try await self.selectKey(connection, id: id)
        }
    }

    func selectKey(_ connection: PostgresConnection, id: String) async throws -> KeyRecord? {
        try await first(
            connection, "SELECT \(unescaped: KeyColumns.selectList) FROM keys WHERE id = \(id)",
            PostgresStore.keyColumns
        )?.record()
    }

    package func rotateKey(id: String) async throws -> CreatedKey {
        let secret = KeySecret.generate()
        let prefix = KeySecret.displayPrefix(of: secret)
        let hash = KeySecret.hash(secret)
        let now = Date().millisecondsSince1970
        let record = try await transaction { connection -> KeyRecord? in
            let updated = try await self.all(
                connection,
                """
                UPDATE keys SET prefix = \(prefix), secret_hash = \(hash), rotated_ms = \(now)
                WHERE id = \(id) AND revoked_ms IS NULL RETURNING id
                """
            ) { try $0.decode(String.self) }
            guard !updated.isEmpty else { return nil }
            return try await self.selectKey(connection, id: id)
        }
        guard let record else { throw StoreError.keyNotFound(id) }
        logger.info("key rotated", metadata: ["key.id": "\(id)"])
        return CreatedKey(record: record, secret: secret)
    }

    package func revokeKey(id: String) async throws -> KeyRecord {
        let now = Date().millisecondsSince1970
        let record = try await transaction { connection -> KeyRecord? in
            try await connection.query(
                "UPDATE keys SET revoked_ms = COALESCE(revoked_ms, \(now)) WHERE id = \(id)", logger: self.logger)
            return try await self.selectKey(connection, id: id)
        }
        guard let record else { throw StoreError.keyNotFound(id) }
        logger.info("key revoked", metadata: ["key.id": "\(id)"])
        return record
    }

    package func authenticate(_ secret: Secret) async throws -> KeyRecord? {
        guard KeySecret.isWellFormed(secret) else { return nil }
        let prefix = KeySecret.displayPrefix(of: secret)
        let hash = KeySecret.hash(secret)
        let candidates = try await withConnection { connection in
            try await self.all(
                connection,
                """
                SELECT secret_hash, \(unescaped: KeyColumns.selectList) FROM keys
                WHERE prefix = \(prefix) AND revoked_ms IS NULL
                """
            ) { row -> (String, KeyColumns) in
                let (
                    storedHash, id, prefix, app, team, tier, models, rpm, tpm, micros, period, created, rotated, revoked
                ) =
                    try row.decode(
                        (
                            String, String, String, String, String?, String, String?, Int64?, Int64?, Int64?, String?,
                            Int64, Int64?, Int64?
                        ).self)
                return (
                    storedHash,
                    KeyColumns(
                        id: id, prefix: prefix, app: app, team: team, tier: tier, allowedModels: models, rpm: rpm,
                        tpm: tpm, budgetMicros: micros, budgetPeriod: period, createdMs: created, rotatedMs: rotated,
                        revokedMs: revoked)
                )
            }
        }
        return try KeyColumns.match(candidates, hash: hash)
    }

    // MARK: - Teams

    package func upsertTeam(_ team: TeamRecord) async throws {
        try team.validate()
        let micros = team.budget?.amountMicros
        let period = team.budget?.period.rawValue
        try await run {
            try await client.query(
                """
                INSERT INTO teams (name, budget_micros, budget_period) VALUES (\(team.name), \(micros), \(period))
                ON CONFLICT (name) DO UPDATE SET budget_micros = EXCLUDED.budget_micros,
                                                 budget_period = EXCLUDED.budget_period
                """, logger: logger)
        }
    }

    package func listTeams() async throws -> [TeamRecord] {
        try await withConnection { connection in
            try await self.all(
                connection, "SELECT name, budget_micros, budget_period FROM teams ORDER BY name", PostgresStore.team)
        }
    }

    package func team(name: String) async throws -> TeamRecord? {
        try await withConnection { connection in
            try await self.first(
                connection, "SELECT name, budget_micros, budget_period FROM teams WHERE name = \(name)",
                PostgresStore.team)
        }
    }

    // MARK: - Rows

    static func keyColumns(_ row: PostgresRow) throws -> KeyColumns {
        let (id, prefix, app, team, tier, models, rpm, tpm, micros, period, created, rotated, revoked) = try row.decode(
            (String, String, String, String?, String, String?, Int64?, Int64?, Int64?, String?, Int64, Int64?, Int64?)
                .self)
        return KeyColumns(
            id: id, prefix: prefix, app: app, team: team, tier: tier, allowedModels: models, rpm: rpm, tpm: tpm,
            budgetMicros: micros, budgetPeriod: period, createdMs: created, rotatedMs: rotated, revokedMs: revoked)
    }

    static func team(_ row: PostgresRow) throws -> TeamRecord {
        let (name, micros, period) = try row.decode((String, Int64?, String?).self)
        return TeamRecord(name: name, budget: try KeyColumns.budget(micros: micros, period: period))
    }
}
