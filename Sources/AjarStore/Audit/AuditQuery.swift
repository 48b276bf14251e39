import AjarCore
import Foundation

/// A filtered page of the audit chain, newest first, for the dashboard: every filter is optional,
/// and pages are cut by sequence number (keyset pagination), never by OFFSET, so the page after
/// record 90,000 costs what the first page costs.
package struct AuditQuery: Sendable, Hashable {
    /// Where the page starts.
    package enum Cursor: Sendable, Hashable {
        /// The newest entries.
        case head
        /// Entries older than this seq (the "older" link of a page).
        case before(Int64)
        /// Entries newer than this seq (the "newer" link of a page).
        case after(Int64)
    }

    /// `from <= time`, when set.
    package var from: Date?
    /// `time < to`, when set.
    package var to: Date?
    package var keyID: String?
    package var app: String?
    package var kind: AuditRecord.Kind?
    /// HTTP status range, inclusive (`200...299`, `403...403`).
    package var status: ClosedRange<Int>?
    package var cursor: Cursor
    /// Entries per page, 1...1000.
    package var limit: Int

    package init(
        from: Date? = nil, to: Date? = nil, keyID: String? = nil, app: String? = nil, kind: AuditRecord.Kind? = nil,
        status: ClosedRange<Int>? = nil, cursor: Cursor = .head, limit: Int = 50
    ) {
        self.from = from
        self.to = to
        self.keyID = keyID
        self.app = app
        self.kind = kind
        self.status = status
        self.cursor = cursor
        self.limit = min(max(limit, 1), 1000)
    }
}

extension AuditQuery {
    /// How a status range is matched, so each store can use its narrowest index: one code,
    /// whole hundreds (`2xx`, or `4xx`–`5xx`) by the status class, or any other range.
    package enum StatusMatch: Sendable, Hashable {
        case code(Int)
        /// Hundreds digits, inclusive: `classes(2, 2)` is 200...299.
        case classes(Int, Int)
        case range(Int, Int)

        package init(_ range: ClosedRange<Int>) {
            if range.lowerBound == range.upperBound {
                self = .code(range.lowerBound)
            } else if range.lowerBound >= 0, range.lowerBound % 100 == 0, range.upperBound % 100 == 99 {
                self = .classes(range.lowerBound / 100, range.upperBound / 100)
            } else {
                self = .range(range.lowerBound, range.upperBound)
            }
        }
    }
}

/// One page of ``GatewayStore/listAudit(_:)``.
package struct AuditPage: Sendable, Hashable {
    /// Newest first.
    package var entries: [AuditEntry]
    /// Whether older matching entries exist (then ask for `.before(entries.last.seq)`).
    package var hasOlder: Bool
    /// Whether newer matching entries exist (then ask for `.after(entries.first.seq)`).
    package var hasNewer: Bool
    /// Rows on this page whose record cannot be read (not a canonical record: damaged or
    /// tampered with), by seq, newest first; ``GatewayStore/verifyAudit()`` says what happened.
    package var damaged: [Int64]
    /// The seq of the first and last row of the page, readable or not (for the pager).
    package var firstSeq: Int64?
    package var lastSeq: Int64?

    package init(entries: [AuditEntry], hasOlder: Bool, hasNewer: Bool, damaged: [Int64] = []) {
        self.entries = entries
        self.hasOlder = hasOlder
        self.hasNewer = hasNewer
        self.damaged = damaged
        self.firstSeq = entries.first?.seq
        self.lastSeq = entries.last?.seq
    }

    /// The page of stored rows (newest first), decoding each.
    package init(rows: [AuditRow], hasOlder: Bool, hasNewer: Bool) {
        var entries: [AuditEntry] = []
        var damaged: [Int64] = []
        for row in rows {
            if let entry = AuditEntry(row) { entries.append(entry) } else { damaged.append(row.seq) }
        }
        self.init(entries: entries, hasOlder: hasOlder, hasNewer: hasNewer, damaged: damaged)
        firstSeq = rows.first?.seq
        lastSeq = rows.last?.seq
    }
}

/// Audit records counted by UTC day, data classes found, policy decision and status: what the
/// dashboard's policy page draws. See ``GatewayStore/auditPolicySummary(from:to:)``.
package struct AuditPolicyGroup: Sendable, Hashable {
    /// `2026-12-02`.
    package var day: String
    package var dataClasses: [String]
    /// The decision trace (`tier=…; classes=…; actions=email:pseudonymise; …`) or, for a refused
    /// request, the refusal's explanation.
    package var decision: String?
    package var status: Int
    package var count: Int

    package init(day: String, dataClasses: [String], decision: String?, status: Int, count: Int) {
        self.day = day
        self.dataClasses = dataClasses
        self.decision = decision
        self.status = status
        self.count = count
    }
}

/// One group's usage on one UTC day. See ``GatewayStore/usageSeries(groupBy:from:to:)``.
package struct UsageSeriesPoint: Sendable, Hashable {
    /// `2026-12-02`.
    package var day: String
    package var summary: UsageSummary

    package init(day: String, summary: UsageSummary) {
        self.day = day
        self.summary = summary
    }
}

extension AuditEntry {
    /// The entry a stored row holds, or `nil` when its record text is not a canonical record
    /// (the dashboard shows such a row as damaged; ``GatewayStore/verifyAudit()`` says why).
    package init?(_ row: AuditRow) {
        guard let json = try? JSONParser.parse(row.record), let record = AuditRecord(canonical: json) else {
            return nil
        }
        self.init(seq: row.seq, prevHash: row.prevHash, hash: row.hash, record: record)
    }
}

extension AuditRecord {
    /// Decodes the canonical JSON object (``AuditChain/canonicalJSON(_:)``) back into a record.
    /// - Returns: `nil` when a required field (`kind`, `request_id`, `status`, `time_ms`,
    ///   `latency_ms`) is missing or of the wrong type.
    package init?(canonical json: JSON) {
        guard let object = json.objectValue,
            let kind = object["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
            let requestID = object["request_id"]?.stringValue,
            let status = object["status"]?.intValue,
            let timeMs = object["time_ms"]?.intValue,
            let latency = object["latency_ms"]?.intValue
        else { return nil }
        func strings(_ key: String) -> [String] { object[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.init(
            kind: kind, time: Date(millisecondsSince1970: Int64(timeMs)), requestID: requestID,
            keyID: object["key_id"]?.stringValue, app: object["app"]?.stringValue, team: object["team"]?.stringValue,
            tier: object["tier"]?.stringValue, modelRequested: object["model_requested"]?.stringValue,
            modelServed: object["model_served"]?.stringValue, deploymentsTried: strings("deployments_tried"),
            decision: object["decision"]?.stringValue, dataClasses: strings("data_classes"),
            tokensIn: object["tokens_in"]?.intValue, tokensOut: object["tokens_out"]?.intValue,
            tokensCached: object["tokens_cached"]?.intValue,
            costMicros: object["cost_micros"]?.intValue.map(Int64.init), status: status, latencyMs: latency,
            action: object["action"]?.stringValue, content: object["content"])
    }
}
