import AjarPolicy
import Synchronization

/// Where the gateway leaves a request's decision trace as soon as the policy has decided, so that
/// refusals, rate limits and upstream failures carry `x-ajar-policy` too, not only successful
/// answers. One per request; the header is only rendered when the server asks for it.
package final class DecisionNote: Sendable {
    private let storage = Mutex<DecisionTrace?>(nil)

    package init() {}

    /// The `x-ajar-policy` value of the latest trace, or `nil` if the request never reached the policy.
    package var header: String? { storage.withLock { $0 }?.headerValue() }

    func record(_ trace: DecisionTrace) { storage.withLock { $0 = trace } }
}
