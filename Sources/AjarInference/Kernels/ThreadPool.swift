import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A persistent pool of `threadCount − 1` worker threads plus the calling thread, for the many
/// short parallel loops of a forward pass (≈ 210 matrix-vector products per token, 10–300 µs each).
///
/// Protocol: `run(tasks:_:)` publishes a job and bumps a generation counter; workers that are
/// spinning see it within a cache-line transfer, *join* it (increment `active`, then check the
/// generation is not closed yet), claim task indices from a shared atomic counter and leave.
/// The caller claims tasks too; when none are left it closes the generation and waits only for
/// workers that joined (`active > 0`) — never for a worker that has not woken up yet, so a
/// descheduled worker cannot stall the caller. Idle workers spin for `spinIterations` polls
/// (≈ 50 µs), yielding now and then, and then park on a condition variable, so an idle model
/// costs no CPU.
///
/// Why not `DispatchQueue.concurrentPerform`: it costs more per call to wake and join its
/// threads, and a token runs ~210 of these loops. Measured with Benchmarks/KernelBench (2-core
/// VM shared with other work, best of 7): an empty 2-task round trip 0.1 µs here vs 0.2–0.4 µs;
/// the 576×576 Q4_1 matrix-vector product split in two 27.6 µs here vs 31.4 µs — about 4 µs per
/// call, ≈ 0.8 ms per token over 210 calls.
///
/// `run` is serialised by a lock, so two callers cannot interleave jobs; one model session uses a
/// pool at a time. `@unchecked Sendable`: all shared state is atomics, or guarded by the lock and
/// the generation protocol above.
package final class ThreadPool: @unchecked Sendable {
    /// Threads that execute tasks, the caller included (≥ 1).
    package let threadCount: Int
    private let state: PoolState
    private let runLock = Mutex<Void>(())

    /// The number of online processors (2 on the reference machine).
    package static var defaultThreadCount: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Starts `threadCount − 1` worker threads.
    /// - Parameters:
    ///   - threadCount: Threads including the caller; defaults to the number of cores.
    ///   - spinIterations: How many polls an idle worker makes before parking.
    package init(threadCount: Int = ThreadPool.defaultThreadCount, spinIterations: Int = 50_000) {
        self.threadCount = max(1, threadCount)
        state = PoolState(spinIterations: spinIterations)
        for index in 1..<self.threadCount {
            let state = self.state
            let thread = Thread { state.workerLoop() }
            thread.name = "ajar-kernel-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        state.shutDown()
    }

    /// Calls `body(task)` once for every `task` in `0..<tasks`, spread over the pool's threads,
    /// and returns when all calls have returned. `body` must be safe to run concurrently for
    /// different task indices (each task writes its own part of the output), and must not call
    /// `run` on the same pool (the lock is not reentrant).
    ///
    /// Like any fork-join pool, it assumes its threads have cores: on an oversubscribed machine a
    /// worker preempted in the middle of a task delays the caller by a scheduler time slice, so
    /// size `threadCount` to the cores the engine may use.
    package func run(tasks: Int, _ body: (Int) -> Void) {
        guard tasks > 0 else { return }
        if threadCount == 1 || tasks == 1 {
            for task in 0..<tasks { body(task) }
            return
        }
        runLock.withLock { _ in
            withoutActuallyEscaping(body) { job in
                let generation = state.publish(job, tasks: tasks)
                state.work()
                state.close(generation)
                state.clear()
            }
        }
    }
}

/// The state shared between a `ThreadPool` and its workers.
private final class PoolState: @unchecked Sendable {
    let generation = Atomic<UInt64>(0)
    let closedGeneration = Atomic<UInt64>(0)
    let nextTask = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let spinIterations: Int
    /// Written by the caller before the generation is bumped and read only by workers that joined
    /// that generation before it was closed; cleared after every joined worker left.
    nonisolated(unsafe) var job: ((Int) -> Void)?
    nonisolated(unsafe) var taskCount = 0
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Polls between `sched_yield()`s while spinning.
    static let yieldInterval = 256

    init(spinIterations: Int) {
        self.spinIterations = max(0, spinIterations)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Makes `job` visible and wakes parked workers; returns the new generation.
    func publish(_ job: @escaping (Int) -> Void, tasks: Int) -> UInt64 {
        self.job = job
        taskCount = tasks
        nextTask.store(0, ordering: .relaxed)
        let next = generation.add(1, ordering: .sequentiallyConsistent).newValue
        // A parking worker increments `sleepers` before re-checking the generation under the
        // mutex, so either it sees the new generation or we see it asleep and wake it.
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return next
    }

    /// Claims and runs tasks until none are left.
    func work() {
        guard let job else { return }
        let count = taskCount
        while true {
            let task = nextTask.wrappingAdd(1, ordering: .relaxed).oldValue
            guard task < count else { return }
            job(task)
        }
    }

    /// Stops workers from joining `generation` and waits for those that joined to finish.
    func close(_ generation: UInt64) {
        closedGeneration.store(generation, ordering: .sequentiallyConsistent)
        var spins = 0
        while active.load(ordering: .sequentiallyConsistent) > 0 {
            spins += 1
            if spins % Self.yieldInterval == 0 { sched_yield() }
        }
    }

    func clear() {
        job = nil
    }

    func shutDown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins >= spinIterations {
                    park(seen: seen)
                    spins = 0
                } else if spins % Self.yieldInterval == 0 {
                    sched_yield()
                }
            }
            if stopping.load(ordering: .acquiring) { return }
            seen = generation.load(ordering: .sequentiallyConsistent)
            // Join, then check the job is still open; the caller closes, then checks `active`.
            active.add(1, ordering: .sequentiallyConsistent)
            if closedGeneration.load(ordering: .sequentiallyConsistent) < seen {
                work()
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    private func park(seen: UInt64) {
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(condition, mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }
}
