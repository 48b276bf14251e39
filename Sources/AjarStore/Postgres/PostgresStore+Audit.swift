import Foundation
import PostgresNIO

extension PostgresStore {
    package func commit(_ records: [RequestRecord]) async throws -> [AuditEntry] {
        guard !records.isEmpty else { return [] }
        for record in records {
            if let cost = record.settlement?.costMicros, cost < 0 { throw StoreError.invalidArgument("cost must not be negative") }
        }
        let canonicals = records.map(\.canonical)
        return try await transaction { connection -> [AuditEntry] in
            // The head row's lock, taken first, serialises appends across every instance on this
            // database, so the chain stays linear; it is released at COMMIT, when the records are
            // durable. (Reservations lock only counters, never the head: no lock cycle.)
            guard
                let head = try await self.first(
                    connection, "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
                    { try $0.decode((Int64, String).self) })
            else { throw StoreError.database("the audit chain head row is missing") }
            var (seq, prevHash) = head
            var entries: [AuditEntry] = []
            for (record, canonical) in zip(records, canonicals) {
                if let (reservation, cost) = record.settlement {
                    _ = try await self.finish(connection, reservationID: reservation.id, chargeMicros: cost)
                }
                if let charge = record.tokenCharge {
                    try await self.chargeTokens(connection, keyID: charge.keyID, tokens: charge.tokens, at: charge.at)
                }
                if let usage = record.usage { try await self.insertUsage(connection, usage) }
                seq += 1
                guard let hash = AuditChain.hash(prevHash: prevHash, canonical: canonical) else {
                    throw StoreError.database("the audit chain head holds a malformed hash")
                }
                let text = String(decoding: canonical, as: UTF8.self)
                let timeMs = record.audit.time.millisecondsSince1970
                let kind = record.audit.kind.rawValue
                try await connection.query(
                    """
                    INSERT INTO audit_log (seq, time_ms, request_id, kind, record, prev_hash, hash)
                    VALUES (\(seq), \(timeMs), \(record.audit.requestID), \(kind), \(text), \(prevHash), \(hash))
                    """, logger: self.logger)
                entries.append(AuditEntry(seq: seq, prevHash: prevHash, hash: hash, record: record.audit))
                prevHash = hash
            }
            try await connection.query(
                "UPDATE audit_head SET seq = \(seq), hash = \(prevHash) WHERE id = 1", logger: self.logger)
            return entries
        }
    }

    package func verifyAudit() async throws -> AuditVerification {
        let head = try await withConnection { connection in
            try await self.first(
                connection, "SELECT seq, hash FROM audit_head WHERE id = 1", { try $0.decode((Int64, String).self) })
        }
        return try await AuditChain.verify(
            head: head.map { (seq: $0.0, hash: $0.1) },
            fetchPage: { after, upTo, limit in
                let limit = Int64(limit)
                return try await self.withConnection { connection in
                    try await self.all(
                        connection,
                        """
                        SELECT seq, time_ms, request_id, kind, record, prev_hash, hash FROM audit_log
                        WHERE seq > \(after) AND seq <= \(upTo) ORDER BY seq LIMIT \(limit)
                        """, PostgresStore.auditRow)
                }
            },
            hashExists: { hash in
                try await self.withConnection { connection in
                    try await self.first(
                        connection, "SELECT 1 FROM audit_log WHERE hash = \(hash) LIMIT 1", { _ in true }) ?? false
                }
            })
    }

    package func exportAudit(from: Date?, to: Date?) async throws -> [String] {
        let fromMs = from?.millisecondsSince1970 ?? Int64.min
        let toMs = to?.millisecondsSince1970 ?? Int64.max
        return try await withConnection { connection in
            try await self.all(
                connection,
                """
                SELECT seq, time_ms, request_id, kind, record, prev_hash, hash FROM audit_log
                WHERE time_ms >= \(fromMs) AND time_ms < \(toMs) ORDER BY seq
                """, { AuditChain.exportLine(try PostgresStore.auditRow($0)) })
        }
    }

    static func auditRow(_ row: PostgresRow) throws -> AuditRow {
        let (seq, timeMs, requestID, kind, record, prevHash, hash) = try row.decode(
            (Int64, Int64, String, String, String, String, String).self)
        return AuditRow(
            seq: seq, timeMs: timeMs, requestID: requestID, kind: kind, record: record, prevHash: prevHash, hash: hash)
    }
}
