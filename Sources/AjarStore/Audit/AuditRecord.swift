import AjarCore
import Foundation

/// One audit event: a request the gateway handled, or an admin action (key created, revoked,
/// config reloaded). Holds data classes found, never the values; content only when the tier
/// says so, already pseudonymised by the caller. Never put a secret in here.
package struct AuditRecord: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        case request
        case admin
    }

    package var kind: Kind
    /// Stored with millisecond precision (the canonical encoding holds `time_ms`).
    package var time: Date
    package var requestID: String
    package var keyID: String?
    package var app: String?
    package var team: String?
    package var tier: String?
    package var modelRequested: String?
    package var modelServed: String?
    /// Deployments tried, in order (the last one served, if any succeeded).
    package var deploymentsTried: [String]
    /// The policy decision, e.g. `allow`, `pseudonymise`, `self_hosted_only`, `block`.
    package var decision: String?
    /// Names of the data classes found (`email`, `iban`, …), never the values.
    package var dataClasses: [String]
    package var tokensIn: Int?
    package var tokensOut: Int?
    package var tokensCached: Int?
    package var costMicros: Int64?
    /// HTTP status sent to the client (admin actions: the admin API's status).
    package var status: Int
    package var latencyMs: Int
    /// For admin records: what was done, e.g. `key.created`, `key.revoked`, `config.reloaded`.
    package var action: String?
    /// Request/response content where the tier requires it (pseudonymised), or admin details.
    package var content: JSON?

    package init(
        kind: Kind, time: Date, requestID: String, keyID: String? = nil, app: String? = nil, team: String? = nil,
        tier: String? = nil, modelRequested: String? = nil, modelServed: String? = nil,
        deploymentsTried: [String] = [], decision: String? = nil, dataClasses: [String] = [],
        tokensIn: Int? = nil, tokensOut: Int? = nil, tokensCached: Int? = nil, costMicros: Int64? = nil,
        status: Int, latencyMs: Int, action: String? = nil, content: JSON? = nil
    ) {
        self.kind = kind
        self.time = time
        self.requestID = requestID
        self.keyID = keyID
        self.app = app
        self.team = team
        self.tier = tier
        self.modelRequested = modelRequested
        self.modelServed = modelServed
        self.deploymentsTried = deploymentsTried
        self.decision = decision
        self.dataClasses = dataClasses
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.tokensCached = tokensCached
        self.costMicros = costMicros
        self.status = status
        self.latencyMs = latencyMs
        self.action = action
        self.content = content
    }
}

/// A record as it sits in the chain.
package struct AuditEntry: Sendable, Hashable {
    /// 1, 2, 3, … with no gaps.
    package var seq: Int64
    /// Lowercase hex SHA-256 of the previous entry (64 zeros for seq 1).
    package var prevHash: String
    /// Lowercase hex SHA-256(prevHash bytes ‖ canonical encoding of ``record``).
    package var hash: String
    package var record: AuditRecord

    package init(seq: Int64, prevHash: String, hash: String, record: AuditRecord) {
        self.seq = seq
        self.prevHash = prevHash
        self.hash = hash
        self.record = record
    }
}

/// The result of ``GatewayStore/verifyAudit()``.
package struct AuditVerification: Sendable, Hashable {
    /// Records checked before the first break (all of them when intact).
    package var checked: Int64
    /// The last sequence number and hash, when the chain is intact and not empty. Keep it somewhere
    /// else (a ticket, a log) to detect a rewrite of the whole chain later.
    package var headSeq: Int64
    package var headHash: String
    /// The first bad record, or `nil` when the whole chain verifies.
    package var firstBreak: AuditBreak?

    package var isIntact: Bool { firstBreak == nil }

    package init(checked: Int64, headSeq: Int64, headHash: String, firstBreak: AuditBreak?) {
        self.checked = checked
        self.headSeq = headSeq
        self.headHash = headHash
        self.firstBreak = firstBreak
    }
}

/// The first record where the chain does not verify.
package struct AuditBreak: Sendable, Hashable, CustomStringConvertible {
    package enum Reason: String, Sendable, Hashable {
        /// The record's content, hash or columns were changed after it was written.
        case altered
        /// The record with this seq is gone (deleted, or the chain renumbered around it).
        case removed
        /// The record is intact but not in its place (sequence numbers swapped or moved).
        case reordered
    }

    /// The sequence number of the bad record (for `removed`: of the missing one).
    package var seq: Int64
    /// The bad record's request id (`nil` when it was removed).
    package var requestID: String?
    package var reason: Reason
    /// One sentence for a person.
    package var detail: String

    package init(seq: Int64, requestID: String?, reason: Reason, detail: String) {
        self.seq = seq
        self.requestID = requestID
        self.reason = reason
        self.detail = detail
    }

    package var description: String {
        "record \(seq)\(requestID.map { " (request \($0))" } ?? "") \(reason.rawValue): \(detail)"
    }
}
