import AjarCore
import Foundation

/// The only door to persistence: keys, teams, budgets, rate-limit windows, usage and the audit
/// chain. ``SQLiteStore`` is the embedded default; ``PostgresStore`` lets several gateway
/// instances share one database. Both pass the same test suite, and every guarantee below holds
/// across instances sharing a database.
///
/// Money is integer micro-USD; times are stored in whole milliseconds, UTC.
package protocol GatewayStore: Sendable {
    // MARK: Keys

    /// Creates a key. The returned secret is the only copy: the store keeps its SHA-256 hash.
    /// - Throws: ``StoreError/invalidArgument(_:)`` for an empty app/tier or negative limits.
    func createKey(_ key: NewKey) async throws -> CreatedKey

    /// All keys, newest first; revoked ones only when `includeRevoked`.
    func listKeys(includeRevoked: Bool) async throws -> [KeyRecord]

    /// The key with this id, revoked or not, or `nil`.
    func key(id: String) async throws -> KeyRecord?

    /// Replaces the key's secret; the old one stops working at once. Id, limits and budget stay.
    /// - Throws: ``StoreError/keyNotFound(_:)`` if there is no such (unrevoked) key.
    func rotateKey(id: String) async throws -> CreatedKey

    /// Revokes the key (kept for the record, never authenticates again).
    /// - Returns: the revoked record.
    /// - Throws: ``StoreError/keyNotFound(_:)``.
    func revokeKey(id: String) async throws -> KeyRecord

    /// The unrevoked key whose secret this is, or `nil` (malformed, unknown, rotated or revoked).
    /// Hashes are compared in constant time.
    func authenticate(_ secret: Secret) async throws -> KeyRecord?

    // MARK: Teams

    /// Creates the team or replaces its budget.
    func upsertTeam(_ team: TeamRecord) async throws

    /// All teams, by name.
    func listTeams() async throws -> [TeamRecord]

    /// The team with this name, or `nil`.
    func team(name: String) async throws -> TeamRecord?

    // MARK: Budgets

    /// Sets aside `estimateMicros` in the key's budget and in its team's budget for the period
    /// containing `at` — in one atomic conditional update per scope, both or neither. Scopes
    /// without a budget are not counted. `team` is the key's team as the caller knows it (`nil`:
    /// no team budget applies).
    /// - Returns: ``ReserveOutcome/reserved(_:)``, or ``ReserveOutcome/budgetExceeded(scope:limitMicros:remainingMicros:)``
    ///   when `spent + reserved + estimate` would pass the limit; then nothing is reserved.
    /// - Throws: ``StoreError/keyNotFound(_:)``, ``StoreError/invalidArgument(_:)`` for a negative estimate.
    func reserve(keyID: String, team: String?, estimateMicros: Int64, at: Date) async throws -> ReserveOutcome

    /// Releases the reservation and adds the true cost to the same counters. A reservation that was
    /// already settled (or released) is ignored, so a retry cannot charge twice.
    /// - Returns: whether this call settled it.
    @discardableResult
    func settle(_ reservation: Reservation, actualCostMicros: Int64) async throws -> Bool

    /// Releases reservations made before `cutoff` that were never settled (a process died
    /// mid-request), charging nothing. - Returns: how many were released.
    @discardableResult
    func releaseReservations(olderThan cutoff: Date) async throws -> Int

    /// The counter for a scope (`BudgetScope.key(id)` / `BudgetScope.team(name)`) in the period containing `at`.
    func budgetStatus(scope: String, at: Date) async throws -> BudgetStatus?

    /// Admits several requests, in order — for each, the rate check of
    /// ``admit(keyID:tokens:limits:at:)`` and, if counted, the reservation of
    /// ``reserve(keyID:team:estimateMicros:at:)`` — with the outcome they would have one after
    /// another. SQLite does the whole group in one transaction (all or nothing); PostgreSQL one
    /// admission per transaction, so that no transaction holds several keys' counters.
    /// - Throws: ``StoreError/invalidArgument(_:)`` (negative estimate or tokens, before anything
    ///   is written) or ``StoreError/keyNotFound(_:)``.
    func admit(_ admissions: [Admission]) async throws -> [AdmissionOutcome]

    // MARK: Rate limits

    /// Counts one request of `tokens` (estimated) tokens against the key's per-minute limits, in a
    /// fixed one-minute window (UTC minute) shared by every instance on this database. A request
    /// over a limit is not counted.
    func admit(keyID: String, tokens: Int, limits: RateLimits, at: Date) async throws -> RateLimitDecision

    /// Adds tokens learnt after the call (the completion, or the difference between estimate and
    /// actual) to the key's current window, unconditionally: the next requests see them. Negative
    /// or zero counts are ignored.
    func chargeTokens(keyID: String, tokens: Int, at: Date) async throws

    // MARK: Usage

    /// Records one request's usage and cost.
    func recordUsage(_ usage: UsageRecord) async throws

    /// Totals per key, team, model or UTC day for requests with `from <= time < to`, ordered by group.
    func usage(groupBy: UsageGrouping, from: Date, to: Date) async throws -> [UsageSummary]

    // MARK: Audit

    /// Appends a record to the hash chain. Appends are serialised across instances, so the chain
    /// stays linear; when this returns, the record is committed.
    /// - Returns: the entry with its seq and hashes.
    @discardableResult
    func appendAudit(_ record: AuditRecord) async throws -> AuditEntry

    /// Writes the records of several finished requests in one transaction, in order — for each:
    /// settle (as ``settle(_:actualCostMicros:)``, a settled reservation is ignored), charge tokens,
    /// record usage, append the audit record — all or nothing. When this returns, all are committed.
    /// - Returns: the audit entries, in the order given.
    @discardableResult
    func commit(_ records: [RequestRecord]) async throws -> [AuditEntry]

    /// Like ``commit(_:)``, for the answers of finished requests: when this returns the records are
    /// durable (they survive the process being killed, and are applied on the next start if it
    /// is), and every query made afterwards sees them — but their place in the chain may not be
    /// decided yet, so no entries are returned. SQLite's serving process journals them
    /// (``RecordJournal``) and applies them behind; elsewhere this is ``commit(_:)``.
    func record(_ records: [RequestRecord]) async throws

    /// Whether ``record(_:)`` costs no round trip (a copy into a journal): callers then call it per
    /// request instead of grouping requests, which would only add waiting.
    var recordsWithoutRoundTrip: Bool { get }

    /// Walks the whole chain and reports the first record that was altered, removed or reordered.
    func verifyAudit() async throws -> AuditVerification

    /// Entries with `from <= time < to` (either bound optional), in chain order, as JSONL lines
    /// (no trailing newline), one per record; see ``AuditChain`` for the line format.
    func exportAudit(from: Date?, to: Date?) async throws -> [String]

    // MARK: Lifecycle

    /// Runs the store's background work until the task is cancelled: PostgreSQL's connection pool
    /// (nothing works without it); SQLite has none and just waits. Put it in the app's ServiceGroup.
    func run() async

    /// Brings the schema up to date; idempotent and safe from several instances at once. SQLite
    /// migrates when opened, so this does nothing there; PostgreSQL needs ``run()`` running.
    func migrate() async throws

    /// Releases connections. The store must not be used afterwards.
    func close() async throws

    // MARK: Dashboard queries

    /// One page of the audit chain, newest first, filtered by ``AuditQuery``; cut by seq
    /// (keyset pagination), so every page costs the same however deep it is.
    func listAudit(_ query: AuditQuery) async throws -> AuditPage

    /// Audit records with `from <= time < to` that found data classes or were refused (403),
    /// counted per UTC day, classes, decision and status.
    func auditPolicySummary(from: Date, to: Date) async throws -> [AuditPolicyGroup]

    /// Like ``usage(groupBy:from:to:)``, per UTC day: ordered by day, then group.
    func usageSeries(groupBy: UsageGrouping, from: Date, to: Date) async throws -> [UsageSeriesPoint]
}

extension GatewayStore {
    package func record(_ records: [RequestRecord]) async throws {
        _ = try await commit(records)
    }

    package var recordsWithoutRoundTrip: Bool { false }

    /// One record, as a commit of its own.
    @discardableResult
    package func appendAudit(_ record: AuditRecord) async throws -> AuditEntry {
        let entries = try await commit([RequestRecord(audit: record)])
        guard let entry = entries.first else { throw StoreError.database("the audit append returned no entry") }
        return entry
    }
}
