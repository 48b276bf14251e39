/// The circuit breaker's logic as a pure value: it decides, the owner supplies the time and does the
/// waiting. Closed → (threshold consecutive failures) → open → (cooldown elapsed) → half-open, which
/// lets exactly one probe through → closed on its success, open again on its failure.
package struct CircuitBreakerStateMachine: Sendable, Equatable {
    package enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        /// Open until the given time (seconds on the owner's monotonic clock).
        case open(until: Double)
        /// One probe may be in flight.
        case halfOpen(probeInFlight: Bool)
    }

    package private(set) var state: State = .closed(consecutiveFailures: 0)
    package let failureThreshold: Int
    package let cooldown: Double

    package init(failureThreshold: Int, cooldown: Double) {
        self.failureThreshold = max(1, failureThreshold)
        self.cooldown = max(0, cooldown)
    }

    /// Whether a request may go to the deployment now. In half-open state the first caller becomes
    /// the probe; others are refused until the probe reports.
    package mutating func allowRequest(now: Double) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen(probeInFlight: true)
            return true
        case .halfOpen(let probeInFlight):
            guard !probeInFlight else { return false }
            state = .halfOpen(probeInFlight: true)
            return true
        }
    }

    package mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    package mutating func recordFailure(now: Double) {
        switch state {
        case .closed(let failures):
            state = failures + 1 >= failureThreshold ? .open(until: now + cooldown) : .closed(consecutiveFailures: failures + 1)
        case .halfOpen:
            state = .open(until: now + cooldown)
        case .open:
            break  // a request admitted before the breaker opened; the cooldown stands
        }
    }

    /// The attempt was abandoned without a verdict (cancelled): free the probe slot.
    package mutating func recordAbandoned() {
        if case .halfOpen = state { state = .halfOpen(probeInFlight: false) }
    }

    /// A short name for logs and metrics: `closed`, `open`, `half-open`.
    package var name: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        }
    }
}
