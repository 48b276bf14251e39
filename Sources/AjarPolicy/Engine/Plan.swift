import AjarCore

/// What the policy allows for one request: the candidates that may serve it, in order, the request
/// each of them receives, and how to undo the transforms on the answer.
package struct Plan: Sendable, Equatable {
    /// The candidates left after the policy, in the order they were given.
    package var candidates: [ModelCard]
    /// The tier the request was judged under.
    package var tier: String
    /// The classes found, sorted (names only).
    package var dataClasses: [DataClass]
    /// Action per class found (unlisted classes map to `allow`).
    package var actions: [DataClass: DataAction]
    /// Whether the audit trail must keep the request and answer content.
    package var auditContent: Bool
    package var trace: DecisionTrace
    /// The request for vendor-hosted candidates: `redact` and `pseudonymise` applied.
    package var vendorRequest: ChatRequest
    /// The request for local and self-hosted candidates: `redact` applied, values otherwise intact.
    package var inHouseRequest: ChatRequest
    /// The placeholders in ``vendorRequest`` and their values (prints redacted).
    package var pseudonyms: PseudonymTable
    /// Number of spans replaced by placeholders and by redaction markers in ``vendorRequest``.
    package var pseudonymisedSpans: Int
    package var redactedSpans: Int

    /// The request to send to `candidate`.
    package func request(for candidate: ModelCard) -> ChatRequest {
        candidate.hosting == .vendor ? vendorRequest : inHouseRequest
    }

    /// Whether `candidate`'s answer must go through ``restore(_:)`` or a ``makeStreamRestorer()``.
    package func needsRestoration(for candidate: ModelCard) -> Bool {
        candidate.hosting == .vendor && !pseudonyms.isEmpty
    }

    /// A restorer for a streamed answer from a vendor candidate.
    package func makeStreamRestorer() -> StreamRestorer {
        StreamRestorer(table: pseudonyms)
    }

    /// A complete answer with placeholders replaced by values (content, refusal, tool-call arguments).
    package func restore(_ response: ChatResponse) -> ChatResponse {
        guard !pseudonyms.isEmpty else { return response }
        var response = response
        for c in response.choices.indices {
            var message = response.choices[c].message
            message.content = message.content.map { part in
                if case .text(let text) = part { return .text(pseudonyms.restore(text)) }
                return part
            }
            message.refusal = message.refusal.map(pseudonyms.restore)
            for t in message.toolCalls.indices {
                message.toolCalls[t].arguments = pseudonyms.restore(message.toolCalls[t].arguments)
            }
            response.choices[c].message = message
        }
        return response
    }
}
