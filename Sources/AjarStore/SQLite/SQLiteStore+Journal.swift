import Foundation
import GRDB
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The serving process's records go through its ``RecordJournal``: written before the answer,
/// applied to the database behind it.
extension SQLiteStore {
    package var recordsWithoutRoundTrip: Bool { journal != nil }

    package func record(_ records: [RequestRecord]) async throws {
        guard !records.isEmpty else { return }
        guard let journal, let ledger else {
            _ = try await commit(records)
            return
        }
        try journalAppend(records, journal: journal, ledger: ledger, waiter: nil)
    }

    /// Writes `records` to the journal, then settles them in the ledger (the costs are durable now)
    /// and starts the applier if none runs.
    func journalAppend(
        _ records: [RequestRecord], journal: RecordJournal, ledger: SQLiteLedger,
        waiter: CheckedContinuation<[ChainLink], any Error>?
    ) throws {
        let held = ledger.holding(records.map { $0.settlement?.reservation })
        let pending = try zip(records, held).map { record, held in try PendingRecord(record, held: held, chargesTokens: false) }
        let startApplier = try journal.append(pending, waiter: waiter)
        ledger.finish(records)
        if startApplier {
            Task.detached { await self.applyJournal(journal) }
        }
    }

    /// Applies what the journal holds, in transactions of everything written meanwhile, until it
    /// holds nothing more.
    private func applyJournal(_ journal: RecordJournal) async {
        while true {
            await journal.gather()
            guard let batches = journal.take() else { return }
            let results = await apply(batches)
            for (batch, result) in zip(batches, results) { batch.waiter?.resume(with: result) }
            journal.applied(batches)
        }
    }

    /// One result per batch: all in one transaction, or, if that fails, each on its own, retried
    /// a few times (a full disk, a lock held too long). A batch that still fails is logged with its
    /// request ids: it stays in the journal file only until the file next moves (when full).
    private func apply(_ batches: [RecordJournal.Batch]) async -> [Result<[ChainLink], any Error>] {
        do {
            return try await write(batches).map { .success($0) }
        } catch {
            var results: [Result<[ChainLink], any Error>] = []
            for batch in batches {
                var attempt = 0
                while true {
                    do {
                        results.append(.success(try await write([batch])[0]))
                        break
                    } catch {
                        attempt += 1
                        guard attempt < 4 else {
                            logger.error(
                                "records could not be written to the database",
                                metadata: [
                                    "error": "\(error)", "journal.frame": "\(batch.number)",
                                    "request.ids": "\(batch.records.map(\.requestID).joined(separator: ","))",
                                ])
                            results.append(.failure(error))
                            break
                        }
                        try? await Task.sleep(for: .milliseconds(50 << attempt))
                    }
                }
            }
            return results
        }
    }

    /// Applies `batches` in one transaction. - Returns: each batch's chain links.
    private func write(_ batches: [RecordJournal.Batch]) async throws -> [[ChainLink]] {
        try await run {
            try await pool.write { db in
                let links = try SQLiteStore.apply(db, batches.flatMap(\.records), journalNumber: batches.last?.number)
                var split: [[ChainLink]] = []
                var start = 0
                for batch in batches {
                    split.append(Array(links[start..<start + batch.records.count]))
                    start += batch.records.count
                }
                return split
            }
        }
    }

    /// Waits until everything the serving process acknowledged before the call is in the
    /// database. Every query of records, usage or spent calls it first.
    func caughtUp() async {
        await journal?.barrier()
    }

    // MARK: - Start-up

    /// The journal of the database at `path`.
    static func journalPath(_ path: String) -> String { path + ".pending" }

    /// The last journal frame applied to the database.
    static func journalApplied(_ pool: DatabasePool) throws -> UInt64 {
        let applied = try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT journal_applied FROM audit_head WHERE id = 1") ?? 0
        }
        return UInt64(bitPattern: applied)
    }

    /// Applies the frames of a journal left by a process that stopped (or was killed) before it
    /// applied them, then empties the file. Only while holding the serving lock: no one else
    /// writes the journal then.
    /// - Returns: the number of the last frame applied (the next serving process numbers on from it).
    static func replayJournal(path: String, pool: DatabasePool, logger: Logger) throws -> UInt64 {
        let journal = journalPath(path)
        var applied = try journalApplied(pool)
        let frames = RecordJournal.frames(at: journal).filter { $0.number > applied }
        if let last = frames.last?.number {
            let records = frames.flatMap(\.records)
            _ = try pool.write { db in try SQLiteStore.apply(db, records, journalNumber: last) }
            logger.notice(
                "applied records acknowledged before the last stop",
                metadata: ["journal.frames": "\(frames.count)", "records": "\(records.count)"])
            applied = last
        }
        if FileManager.default.fileExists(atPath: journal) { _ = truncate(journal, 0) }
        return applied
    }

    /// For a process that does not serve: applies a journal no one serves (after a crash), or
    /// waits briefly until the serving process has applied what its journal holds, so that the
    /// CLI sees every answered request.
    static func catchUpWithJournal(path: String, pool: DatabasePool, logger: Logger) throws {
        let journal = journalPath(path)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: journal),
            (attributes[.size] as? NSNumber)?.intValue ?? 0 > 0
        else { return }
        if let lock = try? takeServingLock(path: path, wait: .zero) {
            defer { closeDescriptor(lock) }
            _ = try replayJournal(path: path, pool: pool, logger: logger)
            return
        }
        guard let last = RecordJournal.frames(at: journal).last?.number else { return }
        let deadline = ContinuousClock.now + .seconds(2)
        while try journalApplied(pool) < last, ContinuousClock.now < deadline {
            usleep(5_000)
        }
    }
}
