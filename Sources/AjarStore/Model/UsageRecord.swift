import Foundation

/// One request's usage and cost, recorded after the call.
package struct UsageRecord: Sendable, Hashable {
    package var time: Date
    package var requestID: String
    package var keyID: String?
    package var app: String?
    package var team: String?
    /// The model (alias) that served the request.
    package var model: String
    package var provider: String
    package var tokensIn: Int
    package var tokensOut: Int
    package var tokensCached: Int
    package var costMicros: Int64
    package var latencyMs: Int
    /// The HTTP status the client got.
    package var status: Int

    package init(
        time: Date, requestID: String, keyID: String?, app: String?, team: String?, model: String,
        provider: String, tokensIn: Int, tokensOut: Int, tokensCached: Int = 0, costMicros: Int64,
        latencyMs: Int, status: Int
    ) {
        self.time = time
        self.requestID = requestID
        self.keyID = keyID
        self.app = app
        self.team = team
        self.model = model
        self.provider = provider
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.tokensCached = tokensCached
        self.costMicros = costMicros
        self.latencyMs = latencyMs
        self.status = status
    }
}

/// How ``GatewayStore/usage(groupBy:from:to:)`` groups rows.
package enum UsageGrouping: String, Sendable, Hashable, CaseIterable {
    case key
    case team
    case model
    /// The UTC calendar day, `2026-12-02`.
    case day
}

/// One group's totals.
package struct UsageSummary: Sendable, Hashable {
    /// The key id, team, model or day; `nil` for requests without one (no key, no team).
    package var group: String?
    package var requests: Int
    /// Requests whose status was not 2xx.
    package var errors: Int
    package var tokensIn: Int
    package var tokensOut: Int
    package var tokensCached: Int
    package var costMicros: Int64
    /// Mean latency, whole milliseconds.
    package var averageLatencyMs: Int

    package init(
        group: String?, requests: Int, errors: Int, tokensIn: Int, tokensOut: Int, tokensCached: Int,
        costMicros: Int64, averageLatencyMs: Int
    ) {
        self.group = group
        self.requests = requests
        self.errors = errors
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.tokensCached = tokensCached
        self.costMicros = costMicros
        self.averageLatencyMs = averageLatencyMs
    }
}
