import Synchronization

/// Where the gateway leaves a request's decision trace (the `x-ajar-policy` value) as soon as the
/// policy has decided, so that refusals, rate limits and upstream failures carry it too, not only
/// successful answers. One per request; the server reads it when it writes the response.
package final class DecisionNote: Sendable {
    private let storage = Mutex<String?>(nil)

    package init() {}

    /// The latest trace recorded, or `nil` if the request never reached the policy.
    package var header: String? { storage.withLock { $0 } }

    func record(_ header: String) { storage.withLock { $0 = header } }
}
