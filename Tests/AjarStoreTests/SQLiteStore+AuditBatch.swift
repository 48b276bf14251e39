import AjarCore
import GRDB

@testable import AjarStore

extension SQLiteStore {
    /// Appends `records` to the chain in one transaction (the same rows and hashes as one
    /// ``appendAudit(_:)`` per record, much faster): for tests that need a large log.
    func appendAuditBatch(_ records: [AuditRecord]) async throws {
        try await run {
            try await pool.write { db in
                guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1") else {
                    throw StoreError.database("the audit chain head row is missing")
                }
                var seq: Int64 = try head.decode(forColumn: "seq")
                var prevHash: String = try head.decode(forColumn: "hash")
                let insert = try db.makeStatement(
                    sql: """
                        INSERT INTO audit_log (seq, time_ms, request_id, kind, record, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                for record in records {
                    let canonical = AuditChain.canonicalJSON(record).bytes
                    guard let hash = AuditChain.hash(prevHash: prevHash, canonical: canonical) else {
                        throw StoreError.database("malformed hash")
                    }
                    seq += 1
                    try insert.execute(arguments: [
                        seq, record.time.millisecondsSince1970, record.requestID, record.kind.rawValue,
                        String(decoding: canonical, as: UTF8.self), prevHash, hash,
                    ])
                    prevHash = hash
                }
                try db.execute(sql: "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", arguments: [seq, prevHash])
            }
        }
    }
}
