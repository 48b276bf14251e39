import Foundation

/// Everything one finished request writes: its budget settlement, the tokens learnt after the
/// call, its usage row and its audit record. ``GatewayStore/commit(_:)`` writes many of these in
/// one transaction, so a busy gateway pays for one commit per group of requests, not four per request.
package struct RequestRecord: Sendable {
    /// The reservation to settle and the true cost to charge in its place.
    package var settlement: (reservation: Reservation, costMicros: Int64)?
    /// Tokens to add to the key's rate window (see ``GatewayStore/chargeTokens(keyID:tokens:at:)``).
    package var tokenCharge: (keyID: String, tokens: Int, at: Date)?
    package var usage: UsageRecord?
    package let audit: AuditRecord
    /// The audit record's canonical bytes (``AuditChain/canonicalBytes(_:)``), encoded when the
    /// record is made, on the finishing request's own task, so a group commit only hashes and writes.
    package let canonical: [UInt8]

    package init(
        settlement: (reservation: Reservation, costMicros: Int64)? = nil, tokenCharge: (keyID: String, tokens: Int, at: Date)? = nil,
        usage: UsageRecord? = nil, audit: AuditRecord
    ) {
        self.settlement = settlement
        self.tokenCharge = tokenCharge
        self.usage = usage
        self.audit = audit
        self.canonical = AuditChain.canonicalBytes(audit)
    }
}
