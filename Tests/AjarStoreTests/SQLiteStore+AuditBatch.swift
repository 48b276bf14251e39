import AjarCore

@testable import AjarStore

extension SQLiteStore {
    /// Appends `records` to the chain in one transaction (one group commit): for tests that need a
    /// large log.
    func appendAuditBatch(_ records: [AuditRecord]) async throws {
        try await commit(records.map { RequestRecord(audit: $0) })
    }
}
