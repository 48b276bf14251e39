import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `close(2)`, out of reach of ``SQLiteStore/close()``'s name.
func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #elseif canImport(Darwin)
    _ = Darwin.close(descriptor)
    #endif
}

/// The serving process's side of a SQLite store: the lock that makes it the only one, and
/// admissions decided by its ``SQLiteLedger``.
extension SQLiteStore {
    /// Takes `PATH.serve.lock` for the life of the process (released by the kernel when it exits,
    /// also when it is killed).
    /// - Returns: the lock file's descriptor.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` when another process serves this database.
    /// - Parameter wait: how long to retry while another process holds it (a CLI command holds
    ///   it for a moment while it applies a journal left by a crash).
    static func takeServingLock(path: String, wait: Duration = .seconds(3)) throws -> Int32 {
        let lockPath = path + ".serve.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.invalidConfiguration("cannot create the lock file \(lockPath): \(String(cString: strerror(errno)))")
        }
        let deadline = ContinuousClock.now + wait
        var locked = flock(descriptor, LOCK_EX | LOCK_NB) == 0
        while !locked, ContinuousClock.now < deadline {
            usleep(20_000)
            locked = flock(descriptor, LOCK_EX | LOCK_NB) == 0
        }
        guard locked else {
            closeDescriptor(descriptor)
            throw StoreError.invalidConfiguration(
                "another `ajar serve` is already serving the SQLite database \(path) (it holds \(lockPath)); "
                    + "to run several instances, share a PostgreSQL database (storage: {postgres: URL})")
        }
        return descriptor
    }

    /// Admissions in memory: loads the limits and counters the ledger lacks, then decides.
    func admitServing(_ admissions: [Admission], ledger: SQLiteLedger) async throws -> [AdmissionOutcome] {
        // The usual case, one admission with everything loaded: decided under one lock.
        if admissions.count == 1, let outcome = ledger.admit(admissions)[0] { return [outcome] }
        var scopes = ledger.missing(admissions).scopes
        if !scopes.isEmpty {
            let wanted = scopes
            let limits = try await run {
                try await pool.read { db -> [String: Budget?] in
                    var limits: [String: Budget?] = [:]
                    for scope in wanted {
                        let row: Row?
                        if scope.hasPrefix("key:") {
                            row = try Row.fetchOne(
                                db.cachedStatement(sql: "SELECT budget_micros, budget_period FROM keys WHERE id = ?"),
                                arguments: [String(scope.dropFirst(4))])
                            guard row != nil else { continue }  // no such key
                        } else {
                            row = try Row.fetchOne(
                                db.cachedStatement(sql: "SELECT budget_micros, budget_period FROM teams WHERE name = ?"),
                                arguments: [String(scope.dropFirst(5))])
                        }
                        limits[scope] = try row.flatMap {
                            try KeyColumns.budget(micros: $0.decode(forColumn: "budget_micros"), period: $0.decode(forColumn: "budget_period"))
                        }
                    }
                    return limits
                }
            }
            for scope in scopes where scope.hasPrefix("key:") && limits[scope] == nil { ledger.forget(scope: scope) }
            ledger.load(limits: limits, spent: [:])
            scopes = ledger.missing(admissions).scopes
        }
        if let unknown = scopes.first(where: { $0.hasPrefix("key:") }) {
            throw StoreError.keyNotFound(String(unknown.dropFirst(4)))
        }
        let counters = ledger.missing(admissions).counters
        if !counters.isEmpty {
            // `spent` in the database must hold every settlement acknowledged so far.
            await caughtUp()
            let spent = try await run {
                try await pool.read { db -> [BudgetScope: Int64] in
                    var spent: [BudgetScope: Int64] = [:]
                    for counter in counters {
                        spent[counter] =
                            try Int64.fetchOne(
                                db.cachedStatement(sql: "SELECT spent FROM budget_counters WHERE scope = ? AND period = ?"),
                                arguments: [counter.scope, counter.period]) ?? 0
                    }
                    return spent
                }
            }
            ledger.load(limits: [:], spent: spent)
        }
        var outcomes: [AdmissionOutcome] = []
        for (admission, outcome) in zip(admissions, ledger.admit(admissions)) {
            guard let outcome else { throw StoreError.keyNotFound(admission.keyID) }
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// Adds a settled cost to the persistent `spent` of a counter (inside the caller's
    /// transaction); the ledger swaps the reservation once that commits.
    static func addSpent(_ db: Database, _ counter: BudgetScope, costMicros: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO budget_counters (scope, period, spent) VALUES (?, ?, ?)
                ON CONFLICT (scope, period) DO UPDATE SET spent = spent + excluded.spent
                """
        ).execute(arguments: [counter.scope, counter.period, costMicros])
    }
}
