import Synchronization

/// The breakers of all deployments, each a ``CircuitBreakerStateMachine`` behind one lock that is
/// never held across an `await`.
package final class CircuitBreakers: Sendable {
    private let machines: Mutex<[String: CircuitBreakerStateMachine]>
    private let config: CircuitBreakerConfig
    private let clock: @Sendable () -> Double

    /// - Parameter clock: monotonic seconds (injectable for tests).
    package init(config: CircuitBreakerConfig, clock: @escaping @Sendable () -> Double = CircuitBreakers.uptime) {
        self.config = config
        self.clock = clock
        self.machines = Mutex([:])
    }

    /// Seconds on the process's monotonic clock.
    package static let uptime: @Sendable () -> Double = { ContinuousClock.now.secondsSinceStart }

    package func allowRequest(_ deployment: String) -> Bool {
        let now = clock()
        return machines.withLock { machines in
            machines[deployment, default: makeMachine()].allowRequest(now: now)
        }
    }

    package func recordSuccess(_ deployment: String) {
        machines.withLock { machines in machines[deployment, default: makeMachine()].recordSuccess() }
    }

    package func recordFailure(_ deployment: String) {
        let now = clock()
        machines.withLock { machines in machines[deployment, default: makeMachine()].recordFailure(now: now) }
    }

    package func recordAbandoned(_ deployment: String) {
        machines.withLock { machines in machines[deployment]?.recordAbandoned() }
    }

    /// `closed`, `open` or `half-open`.
    package func state(_ deployment: String) -> String {
        machines.withLock { machines in machines[deployment]?.name ?? "closed" }
    }

    private func makeMachine() -> CircuitBreakerStateMachine {
        CircuitBreakerStateMachine(failureThreshold: config.failureThreshold, cooldown: config.cooldown)
    }
}

extension ContinuousClock.Instant {
    /// Seconds since an arbitrary fixed origin of this process's monotonic clock.
    fileprivate var secondsSinceStart: Double {
        let duration = processStart.duration(to: self)
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

private let processStart = ContinuousClock.now
