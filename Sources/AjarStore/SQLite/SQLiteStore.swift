import AjarCore
import Foundation
import GRDB
import Logging

/// The embedded store: one SQLite file through GRDB, in WAL mode.
///
/// ## Durability
/// WAL with `synchronous = NORMAL` (``Durability/normal``, the default): a transaction is
/// acknowledged once it is written to the WAL file, and the WAL is fsynced at checkpoints. A record
/// that was acknowledged survives the gateway process being killed (SIGKILL, crash), because the
/// bytes are in the operating system's page cache; it can be lost only if the machine itself loses
/// power before the next checkpoint. ``Durability/full`` (`synchronous = FULL`) fsyncs the WAL on
/// every commit and survives power loss too, at the cost of one fsync per write. The serving
/// process acknowledges finished requests once their records are in its ``RecordJournal`` (the
/// same guarantee: written, and `msync`ed under ``Durability/full``), and applies them behind.
///
/// Writes are serialised by SQLite's single writer lock (GRDB opens `IMMEDIATE` transactions),
/// also between processes sharing the file (busy timeout 10 s).
package final class SQLiteStore: GatewayStore {
    /// How hard a commit is pushed to disk.
    package enum Durability: String, Sendable, Hashable {
        /// `synchronous = NORMAL`: survives process kill, not power loss.
        case normal
        /// `synchronous = FULL`: survives power loss.
        case full
    }

    /// The database file.
    package let path: String
    let pool: DatabasePool
    let logger: Logger
    /// Set when this process serves the database (``init(path:durability:serving:logger:)``):
    /// budgets and rate limits are then decided in memory.
    let ledger: SQLiteLedger?
    /// The serving lock's descriptor, closed by ``close()``.
    private let lockDescriptor: Int32?
    /// Set when serving: finished requests' records are written here before they are answered,
    /// and applied to the database behind (``record(_:)``).
    let journal: RecordJournal?

    /// Opens (creating it and its directory when missing) and migrates the database at `path`.
    /// - Parameter serving: for the gateway process that serves requests from this database: it
    ///   takes a lock file (one serving process per SQLite database; the CLI and readers need none)
    ///   and decides budgets and rate limits in memory (``SQLiteLedger``), persisting every
    ///   settled cost with the request's audit record.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` when the file cannot be opened or another
    ///   process serves it, ``StoreError/migration(_:)`` when the schema cannot be brought up to date.
    package init(path: String, durability: Durability = .normal, serving: Bool = false, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        lockDescriptor = serving ? try SQLiteStore.takeServingLock(path: path) : nil
        ledger = serving ? SQLiteLedger() : nil
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "ajar-store"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw StoreError.invalidConfiguration(
                "cannot open SQLite database at \(path): \(error.message ?? "\(error.resultCode)")")
        }
        do {
            // Set on the pool's single writer connection, after GRDB's own WAL set-up (which
            // chooses NORMAL, overriding anything set in prepareDatabase). Readers never commit.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
                // Checkpoint every 8000 pages (32 MiB of WAL) rather than SQLite's 1000: a busy
                // gateway rewrites the same few tail pages on every commit, and a checkpoint copies
                // each page once (and syncs), so rarer checkpoints cost far less per request.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
                try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            }
        } catch let error as DatabaseError {
            throw StoreError.invalidConfiguration(
                "cannot configure the SQLite database: \(SQLiteStore.describe(error))")
        }
        do {
            try SQLiteStore.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError.migration(SQLiteStore.describe(error))
        }
        do {
            if serving {
                let applied = try SQLiteStore.replayJournal(path: path, pool: pool, logger: logger)
                journal = try RecordJournal(
                    path: SQLiteStore.journalPath(path), applied: applied, sync: durability == .full)
            } else {
                journal = nil
                try SQLiteStore.catchUpWithJournal(path: path, pool: pool, logger: logger)
            }
        } catch let error as DatabaseError {
            throw StoreError.invalidConfiguration(
                "cannot apply the records journal \(SQLiteStore.journalPath(path)): \(SQLiteStore.describe(error))")
        }
        logger.debug("store opened", metadata: ["store.backend": "sqlite", "store.path": "\(path)"])
    }

    /// The serving process checkpoints the WAL in the background (``checkpointInterval``); other
    /// processes have no background work and wait until the task is cancelled.
    ///
    /// A checkpoint copies the WAL's pages into the database file and syncs it. Left to SQLite's
    /// automatic checkpoint, that happens inside the commit that crosses the threshold, on the one
    /// writer connection, so the journal's applier (and every query or commit waiting for it)
    /// waits for the copy too (tens of milliseconds at 8000 pages). A passive checkpoint on a
    /// connection of its own copies alongside the writer instead; the writer's own checkpoint,
    /// still at 8000 pages, then finds almost everything copied, and resets the WAL.
    package func run() async {
        guard ledger != nil, let checkpointer = try? DatabaseQueue(path: path, configuration: Self.checkpointerConfiguration) else {
            // An AsyncStream that never yields ends its iteration when the task is cancelled.
            for await _ in AsyncStream<Never>(unfolding: { nil }) {}
            return
        }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: Self.checkpointInterval)
            } catch {
                break
            }
            do {
                _ = try await checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                // The writer's own automatic checkpoint is running: it does the same copy.
                logger.debug("background checkpoint skipped: another checkpoint is running")
            } catch {
                logger.warning("background checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        try? checkpointer.close()
    }

    /// How often the serving process checkpoints the WAL in the background. Requests no longer
    /// wait for commits (the journal applies behind them), so this only bounds the WAL's growth
    /// and the work of the writer's own checkpoint; each checkpoint syncs the database file, so
    /// rarer is cheaper (250 ms cost about 4 µs of CPU per request at 2,000 requests/s).
    package static let checkpointInterval: Duration = .seconds(1)

    private static var checkpointerConfiguration: Configuration {
        var configuration = Configuration()
        configuration.label = "ajar-store-checkpoint"
        configuration.busyMode = .timeout(1)
        return configuration
    }

    /// Migrations ran when the store was opened.
    package func migrate() async throws {}

    package func close() async throws {
        await caughtUp()
        journal?.close()
        try await run { try self.pool.close() }
        if let lockDescriptor { closeDescriptor(lockDescriptor) }
    }

    // MARK: - Helpers

    /// Runs `body`, turning GRDB's errors into ``StoreError``.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw StoreError.database(SQLiteStore.describe(error))
        }
    }

    /// A database error without its SQL arguments (GRDB never prints them unless asked to).
    static func describe(_ error: DatabaseError) -> String {
        "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
    }
}
