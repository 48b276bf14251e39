import Dispatch
import Foundation
import Synchronization

/// A flag a running generation polls between tokens; set when its consumer goes away.
package final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    package init() {}

    package var isCancelled: Bool { value.load(ordering: .relaxed) }
    package func cancel() { value.store(true, ordering: .relaxed) }
}

/// Runs generation jobs one at a time on a dedicated thread — never on Swift's cooperative pool,
/// whose few threads the server needs — with a bounded queue: a job that finds it full is refused
/// at once, so the caller can answer 503 instead of waiting without limit.
package final class InferenceWorker: Sendable {
    /// The queue is full.
    package struct Busy: Error, Sendable {
        package let queued: Int
    }

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var isRunningJob = false
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    /// Jobs that may wait behind the running one.
    package let maxQueued: Int

    package init(name: String, maxQueued: Int) {
        self.maxQueued = max(0, maxQueued)
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Jobs waiting, not counting the one running.
    package var queueDepth: Int { state.withLock { $0.jobs.count } }

    /// Whether a job is running now.
    package var isBusy: Bool { state.withLock { $0.isRunningJob } }

    /// Queues a job.
    /// - Throws: ``Busy`` when `maxQueued` jobs already wait (or the worker is shut down).
    package func submit(_ job: @escaping @Sendable () -> Void) throws(Busy) {
        let accepted = state.withLock { state -> Bool in
            guard !state.isShutDown else { return false }
            let waiting = state.jobs.count + (state.isRunningJob ? 1 : 0)
            guard waiting <= maxQueued else { return false }
            state.jobs.append(job)
            return true
        }
        guard accepted else { throw Busy(queued: queueDepth) }
        available.signal()
    }

    /// Lets the thread end after the jobs already queued.
    package func shutdown() {
        state.withLock { $0.isShutDown = true }
        available.signal()
    }

    private func runLoop() {
        while true {
            available.wait()
            let next = state.withLock { state -> (@Sendable () -> Void)? in
                guard !state.jobs.isEmpty else { return nil }
                state.isRunningJob = true
                return state.jobs.removeFirst()
            }
            guard let job = next else {
                if state.withLock({ $0.isShutDown }) { return }
                continue
            }
            job()
            state.withLock { $0.isRunningJob = false }
        }
    }
}
