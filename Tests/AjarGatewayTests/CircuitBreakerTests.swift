import Testing

@testable import AjarGateway

/// The breaker's pure state machine as a transition table, and `CircuitBreakers` with a clock the
/// test moves.
@Suite struct CircuitBreakerTests {
    typealias State = CircuitBreakerStateMachine.State

    enum Step: Sendable {
        /// `allowRequest(now:)` and what it must answer.
        case allow(Double, Bool)
        case success
        case failure(Double)
        case abandoned
        /// The state must now be this.
        case expect(State)
    }

    /// (behaviour, threshold, cooldown, steps)
    static let transitions: [(String, Int, Double, [Step])] = [
        (
            "closed counts failures below the threshold and lets requests through", 3, 10,
            [.failure(0), .failure(1), .expect(.closed(consecutiveFailures: 2)), .allow(1, true), .allow(1, true)]
        ),
        (
            "closed opens at the threshold, for the cooldown from the last failure", 3, 10,
            [.failure(0), .failure(1), .failure(5), .expect(.open(until: 15)), .allow(5, false), .allow(14.9, false)]
        ),
        (
            "a success resets the count of consecutive failures", 3, 10,
            [.failure(0), .failure(0), .success, .failure(0), .failure(0), .expect(.closed(consecutiveFailures: 2))]
        ),
        (
            "after the cooldown the first caller becomes the only probe", 1, 10,
            [
                .failure(0), .expect(.open(until: 10)), .allow(9.99, false), .allow(10, true),
                .expect(.halfOpen(probeInFlight: true)), .allow(10, false), .allow(500, false),
            ]
        ),
        (
            "a successful probe closes the breaker", 1, 10,
            [
                .failure(0), .allow(10, true), .success, .expect(.closed(consecutiveFailures: 0)), .allow(10, true),
                .allow(10, true),
            ]
        ),
        (
            "a failed probe reopens it for another cooldown", 1, 10,
            [
                .failure(0), .allow(10, true), .failure(12), .expect(.open(until: 22)), .allow(21, false),
                .allow(22, true),
            ]
        ),
        (
            "a failed probe reopens even when the threshold is higher than one", 3, 10,
            [.failure(0), .failure(0), .failure(0), .allow(10, true), .failure(10), .expect(.open(until: 20))]
        ),
        (
            "an abandoned probe frees the slot for the next caller", 1, 10,
            [
                .failure(0), .allow(10, true), .abandoned, .expect(.halfOpen(probeInFlight: false)), .allow(11, true),
                .expect(.halfOpen(probeInFlight: true)), .allow(11, false),
            ]
        ),
        (
            "abandoning in the closed state changes nothing", 3, 10,
            [.failure(0), .abandoned, .expect(.closed(consecutiveFailures: 1))]
        ),
        (
            "abandoning while open changes nothing", 1, 10,
            [.failure(0), .abandoned, .expect(.open(until: 10)), .allow(5, false)]
        ),
        (
            "a late failure while open keeps the cooldown", 1, 10,
            [.failure(0), .failure(5), .expect(.open(until: 10)), .allow(10, true)]
        ),
        (
            "a late success while open closes it", 1, 10,
            [.failure(0), .success, .expect(.closed(consecutiveFailures: 0)), .allow(1, true)]
        ),
        (
            "a threshold below one acts as one and a negative cooldown as zero", 0, -5,
            [.failure(3), .expect(.open(until: 3)), .allow(3, true)]
        ),
    ]

    @Test("the state machine follows its transition table", arguments: transitions)
    func transition(behaviour: String, threshold: Int, cooldown: Double, steps: [Step]) {
        var machine = CircuitBreakerStateMachine(failureThreshold: threshold, cooldown: cooldown)
        #expect(machine.state == .closed(consecutiveFailures: 0))
        for (index, step) in steps.enumerated() {
            switch step {
            case .allow(let now, let expected):
                #expect(machine.allowRequest(now: now) == expected, "\(behaviour): step \(index)")
            case .success: machine.recordSuccess()
            case .failure(let now): machine.recordFailure(now: now)
            case .abandoned: machine.recordAbandoned()
            case .expect(let state): #expect(machine.state == state, "\(behaviour): step \(index)")
            }
        }
    }

    @Test("names its states closed, open and half-open")
    func names() {
        var machine = CircuitBreakerStateMachine(failureThreshold: 1, cooldown: 1)
        #expect(machine.name == "closed")
        machine.recordFailure(now: 0)
        #expect(machine.name == "open")
        _ = machine.allowRequest(now: 1)
        #expect(machine.name == "half-open")
    }

    // MARK: - CircuitBreakers

    @Test("keeps one breaker per deployment, timed by the injected clock")
    func perDeployment() {
        let clock = ManualClock()
        let breakers = Fixtures.breakers(threshold: 2, cooldown: 30, clock: clock)
        #expect(breakers.state("a/m") == "closed")
        breakers.recordFailure("a/m")
        breakers.recordFailure("a/m")
        #expect(breakers.state("a/m") == "open")
        #expect(!breakers.allowRequest("a/m"))
        #expect(breakers.allowRequest("b/m"))
        #expect(breakers.state("b/m") == "closed")
        clock.advance(by: 29.9)
        #expect(!breakers.allowRequest("a/m"))
        clock.advance(by: 0.1)
        #expect(breakers.allowRequest("a/m"))
        #expect(breakers.state("a/m") == "half-open")
        #expect(!breakers.allowRequest("a/m"))
        breakers.recordSuccess("a/m")
        #expect(breakers.state("a/m") == "closed")
        #expect(breakers.allowRequest("a/m"))
    }

    @Test("an abandoned probe lets the next request probe; abandoning an unknown deployment is harmless")
    func abandonedProbe() {
        let clock = ManualClock()
        let breakers = Fixtures.breakers(threshold: 1, cooldown: 5, clock: clock)
        breakers.recordFailure("a/m")
        clock.advance(by: 5)
        #expect(breakers.allowRequest("a/m"))
        #expect(!breakers.allowRequest("a/m"))
        breakers.recordAbandoned("a/m")
        #expect(breakers.allowRequest("a/m"))
        breakers.recordAbandoned("never-seen")
        #expect(breakers.state("never-seen") == "closed")
    }

    @Test("the failure time comes from the clock at the moment of the failure")
    func failureTime() {
        let clock = ManualClock()
        let breakers = Fixtures.breakers(threshold: 1, cooldown: 10, clock: clock)
        clock.advance(by: 100)
        breakers.recordFailure("a/m")
        clock.advance(by: 9)
        #expect(!breakers.allowRequest("a/m"))
        clock.advance(by: 1)
        #expect(breakers.allowRequest("a/m"))
    }

    @Test("the default clock is monotonic and in seconds")
    func uptime() async throws {
        let start = ContinuousClock.now
        let first = CircuitBreakers.uptime()
        try await Task.sleep(for: .milliseconds(20))
        let second = CircuitBreakers.uptime()
        let elapsed = start.duration(to: .now)
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // In seconds: at least the 20 ms slept, at most what the clock around it saw (however
        // long a loaded machine stalled the sleep).
        #expect(second - first >= 0.015)
        #expect(second - first <= elapsedSeconds + 0.001)
    }
}
