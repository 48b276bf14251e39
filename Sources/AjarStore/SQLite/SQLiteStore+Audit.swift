import Foundation
import GRDB

extension SQLiteStore {
    package func appendAudit(_ record: AuditRecord) async throws -> AuditEntry {
        let canonical = AuditChain.canonicalJSON(record).bytes
        let text = String(decoding: canonical, as: UTF8.self)
        let timeMs = record.time.millisecondsSince1970
        return try await run {
            try await pool.write { db -> AuditEntry in
                // The write transaction is IMMEDIATE: it holds SQLite's writer lock from the
                // first statement, so reading the head and appending cannot interleave.
                guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1") else {
                    throw StoreError.database("the audit chain head row is missing")
                }
                let seq: Int64 = try head.decode(forColumn: "seq") + 1
                let prevHash: String = try head.decode(forColumn: "hash")
                guard let hash = AuditChain.hash(prevHash: prevHash, canonical: canonical) else {
                    throw StoreError.database("the audit chain head holds a malformed hash")
                }
                try db.execute(
                    sql: """
                        INSERT INTO audit_log (seq, time_ms, request_id, kind, record, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [seq, timeMs, record.requestID, record.kind.rawValue, text, prevHash, hash])
                try db.execute(sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", arguments: [seq, hash])
                return AuditEntry(seq: seq, prevHash: prevHash, hash: hash, record: record)
            }
        }
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
