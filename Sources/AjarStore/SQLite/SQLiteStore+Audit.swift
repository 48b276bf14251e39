import Foundation
import GRDB

extension SQLiteStore {
    package func commit(_ records: [RequestRecord]) async throws -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        // Encoded outside the writer lock: only the chain link needs it.
        let canonicals = records.map(\.canonical)
        let entries = try await run {
            try await pool.write { db -> [AuditEntry] in
                // The write transaction is IMMEDIATE: it holds SQLite's writer lock from the
                // first statement, so reading the head and appending cannot interleave.
                guard let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_head WHERE id = 1")) else {
                    throw StoreError.database("the audit chain head row is missing")
                }
                var seq: Int64 = try head.decode(forColumn: "seq")
                var prevHash: String = try head.decode(forColumn: "hash")
                guard var previous = AuditChain.bytes(fromHex: prevHash), previous.count == 32 else {
                    throw StoreError.database("the audit chain head holds a malformed hash")
                }
                var spent: [BudgetScope: Int64] = [:]
                // One row per record, with its usage in the same row (migration v5): one INSERT
                // and the log's own indexes, instead of a second table, its index and its
                // AUTOINCREMENT counter per request.
                var insert = BoundStatement(
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO audit_log (seq, time_ms, request_id, kind, record, prev_hash, hash, key_id, app, status,
                                                   has_classes, team, usage_model, usage_provider, tokens_in, tokens_out,
                                                   tokens_cached, cost_micros, latency_ms)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """))
                var entries: [AuditEntry] = []
                entries.reserveCapacity(records.count)
                var settledHere = Set<String>()
                for (record, canonical) in zip(records, canonicals) {
                    if let (reservation, cost) = record.settlement {
                        guard cost >= 0 else { throw StoreError.invalidArgument("cost must not be negative") }
                        if let ledger, ledger.holds(reservation) {
                            // Added up and written once per counter for the whole group, below.
                            if settledHere.insert(reservation.id).inserted {
                                for scope in reservation.scopes { spent[scope, default: 0] += cost }
                            }
                        } else {
                            _ = try SQLiteStore.finish(db, reservationID: reservation.id, chargeMicros: cost)
                        }
                    }
                    if let charge = record.tokenCharge, ledger == nil {
                        try SQLiteStore.chargeTokens(db, keyID: charge.keyID, tokens: charge.tokens, at: charge.at)
                    }
                    let audit = record.audit
                    // Usage that describes this very request rides in its audit row; any other
                    // (a different request, key or time) keeps a row of its own in `usage`.
                    var usage = record.usage
                    if let separate = usage, !SQLiteStore.describesSameRequest(separate, audit) {
                        try SQLiteStore.insertUsage(db, separate)
                        usage = nil
                    }
                    seq += 1
                    previous = AuditChain.digest(previous: previous, canonical: canonical)
                    let hash = AuditChain.hex(previous)
                    insert.bind(1, seq)
                    insert.bind(2, audit.time.millisecondsSince1970)
                    insert.bind(3, audit.requestID)
                    insert.bind(4, audit.kind.rawValue)
                    insert.bind(5, utf8: canonical)
                    insert.bind(6, prevHash)
                    insert.bind(7, hash)
                    insert.bind(8, audit.keyID)
                    insert.bind(9, audit.app)
                    insert.bind(10, audit.status)
                    insert.bind(11, audit.dataClasses.isEmpty ? 0 : 1)
                    insert.bind(12, audit.team)
                    insert.bind(13, usage?.model)
                    insert.bind(14, usage?.provider)
                    insert.bind(15, usage?.tokensIn)
                    insert.bind(16, usage?.tokensOut)
                    insert.bind(17, usage?.tokensCached)
                    insert.bind(18, usage?.costMicros)
                    insert.bind(19, usage?.latencyMs)
                    try insert.execute()
                    entries.append(AuditEntry(seq: seq, prevHash: prevHash, hash: hash, record: audit))
                    prevHash = hash
                }
                for (scope, cost) in spent { try SQLiteStore.addSpent(db, scope, costMicros: cost) }
                try db.cachedStatement(sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1").execute(arguments: [seq, prevHash])
                return entries
            }
        }
        // Committed: now the ledger swaps reservations for costs and counts the tokens learnt.
        if let ledger {
            for record in records {
                if let (reservation, cost) = record.settlement { ledger.settle(reservation, costMicros: cost) }
                if let charge = record.tokenCharge { ledger.charge(keyID: charge.keyID, tokens: charge.tokens, at: charge.at) }
            }
        }
        return entries
    }

    /// Whether `usage` is the usage of the request `audit` records (so it can share its row).
    static func describesSameRequest(_ usage: UsageRecord, _ audit: AuditRecord) -> Bool {
        usage.requestID == audit.requestID && usage.keyID == audit.keyID && usage.app == audit.app && usage.team == audit.team
            && usage.status == audit.status && usage.time.millisecondsSince1970 == audit.time.millisecondsSince1970
    }

    package func verifyAudit() async throws -> AuditVerification {
        try await run {
            let head = try await pool.read { db -> (seq: Int64, hash: String)? in
                guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1") else {
                    return nil
                }
                return (try row.decode(forColumn: "seq"), try row.decode(forColumn: "hash"))
            }
            return try await AuditChain.verify(
                head: head,
                fetchPage: { after, upTo, limit in
                    try await self.pool.read { db in
                        try Row.fetchAll(
                            db,
                            sql: """
                                SELECT seq, time_ms, request_id, kind, record, prev_hash, hash FROM audit_log
                                WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?
                                """,
                            arguments: [after, upTo, limit]
                        ).map(SQLiteStore.auditRow)
                    }
                },
                hashExists: { hash in
                    try await self.pool.read { db in
                        try Row.fetchOne(db, sql: "SELECT 1 FROM audit_log WHERE hash = ? LIMIT 1", arguments: [hash])
                            != nil
                    }
                })
        }
    }

    package func exportAudit(from: Date?, to: Date?) async throws -> [String] {
        try await run {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT seq, time_ms, request_id, kind, record, prev_hash, hash FROM audit_log
                        WHERE time_ms >= ? AND time_ms < ? ORDER BY seq
                        """,
                    arguments: [from?.millisecondsSince1970 ?? Int64.min, to?.millisecondsSince1970 ?? Int64.max]
                ).map { AuditChain.exportLine(try SQLiteStore.auditRow($0)) }
            }
        }
    }

    static func auditRow(_ row: Row) throws -> AuditRow {
        AuditRow(
            seq: try row.decode(forColumn: "seq"), timeMs: try row.decode(forColumn: "time_ms"),
            requestID: try row.decode(forColumn: "request_id"), kind: try row.decode(forColumn: "kind"),
            record: try row.decode(forColumn: "record"), prevHash: try row.decode(forColumn: "prev_hash"),
            hash: try row.decode(forColumn: "hash"))
    }
}
