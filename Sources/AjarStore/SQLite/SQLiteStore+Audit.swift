import Foundation
import GRDB

extension SQLiteStore {
    package func commit(_ records: [RequestRecord]) async throws -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        let links: [ChainLink]
        if let journal, let ledger {
            // Through the journal, behind the records already written to it, so the chain keeps
            // the order in which records were acknowledged.
            links = try await withCheckedThrowingContinuation { continuation in
                do {
                    try journalAppend(records, journal: journal, ledger: ledger, waiter: continuation)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } else {
            let pending = try records.map { try PendingRecord($0, held: false, chargesTokens: true) }
            links = try await run { try await pool.write { db in try SQLiteStore.apply(db, pending, journalNumber: nil) } }
        }
        guard links.count == records.count else { throw StoreError.database("the commit returned \(links.count) links for \(records.count) records") }
        return zip(links, records).map { link, record in
            AuditEntry(seq: link.seq, prevHash: link.prevHash, hash: link.hash, record: record.audit)
        }
    }

    /// Writes `records` in the caller's write transaction: settlements, token charges, usage, and
    /// the audit rows chained onto the head; `journalNumber` is the last journal frame they came from.
    /// - Returns: each record's place in the chain, in order.
    static func apply(_ db: Database, _ records: [PendingRecord], journalNumber: UInt64?) throws -> [ChainLink] {
        // The write transaction is IMMEDIATE: it holds SQLite's writer lock from the first
        // statement, so reading the head and appending cannot interleave (also with the CLI).
        guard let head = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit_head WHERE id = 1")) else {
            throw StoreError.database("the audit chain head row is missing")
        }
        var seq: Int64 = try head.decode(forColumn: "seq")
        var prevHash: String = try head.decode(forColumn: "hash")
        guard var previous = AuditChain.bytes(fromHex: prevHash), previous.count == 32 else {
            throw StoreError.database("the audit chain head holds a malformed hash")
        }
        var spent: [BudgetScope: Int64] = [:]
        // One row per record, with its usage in the same row (migration v5): one INSERT and the
        // log's own indexes, instead of a second table, its index and its AUTOINCREMENT counter.
        var insert = BoundStatement(
            try db.cachedStatement(
                sql: """
                    INSERT INTO audit_log (seq, time_ms, request_id, kind, record, prev_hash, hash, key_id, app, status,
                                           has_classes, team, usage_model, usage_provider, tokens_in, tokens_out,
                                           tokens_cached, cost_micros, latency_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """))
        var links: [ChainLink] = []
        links.reserveCapacity(records.count)
        var settledHere = Set<String>()
        for record in records {
            if let settlement = record.settlement {
                if settlement.held {
                    // Added up and written once per counter for the whole group, below.
                    if settledHere.insert(settlement.reservationID).inserted {
                        for scope in settlement.scopes { spent[scope, default: 0] += settlement.costMicros }
                    }
                } else {
                    _ = try SQLiteStore.finish(db, reservationID: settlement.reservationID, chargeMicros: settlement.costMicros)
                }
            }
            if let charge = record.tokenCharge {
                try SQLiteStore.chargeTokens(db, keyID: charge.keyID, tokens: charge.tokens, at: charge.at)
            }
            // Usage that describes this very request rides in its audit row; any other (a
            // different request, key or time) keeps a row of its own in `usage`.
            var usage = record.usage
            if let separate = usage, !record.describes(separate) {
                try SQLiteStore.insertUsage(db, separate)
                usage = nil
            }
            seq += 1
            previous = AuditChain.digest(previous: previous, canonical: record.canonical)
            let hash = AuditChain.hex(previous)
            insert.bind(1, seq)
            insert.bind(2, record.timeMs)
            insert.bind(3, record.requestID)
            insert.bind(4, record.kind)
            insert.bind(5, utf8: record.canonical)
            insert.bind(6, prevHash)
            insert.bind(7, hash)
            insert.bind(8, record.keyID)
            insert.bind(9, record.app)
            insert.bind(10, record.status)
            insert.bind(11, record.hasClasses ? 1 : 0)
            insert.bind(12, record.team)
            insert.bind(13, usage?.model)
            insert.bind(14, usage?.provider)
            insert.bind(15, usage?.tokensIn)
            insert.bind(16, usage?.tokensOut)
            insert.bind(17, usage?.tokensCached)
            insert.bind(18, usage?.costMicros)
            insert.bind(19, usage?.latencyMs)
            try insert.execute()
            links.append(ChainLink(seq: seq, prevHash: prevHash, hash: hash))
            prevHash = hash
        }
        for (scope, cost) in spent { try SQLiteStore.addSpent(db, scope, costMicros: cost) }
        if let journalNumber {
            try db.cachedStatement(sql: "UPDATE audit_head SET seq = ?, hash = ?, journal_applied = ? WHERE id = 1")
                .execute(arguments: [seq, prevHash, Int64(bitPattern: journalNumber)])
        } else {
            try db.cachedStatement(sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1").execute(arguments: [seq, prevHash])
        }
        return links
    }

    package func verifyAudit() async throws -> AuditVerification {
        await caughtUp()
        return try await run {
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
        await caughtUp()
        return try await run {
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
