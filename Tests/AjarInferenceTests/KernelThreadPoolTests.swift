import Foundation
import Synchronization
import Testing

@testable import AjarInference

@Suite(.serialized) struct KernelThreadPoolTests {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func increment() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    @Test("every task runs exactly once, over many rounds", arguments: [1, 2, 3, 4])
    func everyTaskOnce(threads: Int) {
        let pool = ThreadPool(threadCount: threads)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 100)
        defer { counts.deallocate() }
        for round in 0..<500 {
            let tasks = round % 100 + 1
            counts.initialize(repeating: 0, count: 100)
            pool.run(tasks: tasks) { task in counts[task] += 1 }  // one writer per index
            for t in 0..<100 where counts[t] != (t < tasks ? 1 : 0) {
                Issue.record("round \(round): task \(t) ran \(counts[t]) times")
                return
            }
        }
    }

    @Test("workers that parked after idling wake up for the next job")
    func wakesAfterParking() {
        let pool = ThreadPool(threadCount: 2, spinIterations: 10)
        let total = Counter()
        for _ in 0..<20 {
            usleep(2_000)  // let the worker park
            pool.run(tasks: 8) { _ in total.increment() }
        }
        #expect(total.count == 160)
    }

    @Test("both threads take part")
    func parallel() {
        let pool = ThreadPool(threadCount: 2)
        let threads = Mutex<Set<UInt>>([])
        for _ in 0..<200 {
            pool.run(tasks: 64) { _ in
                let id = UInt(pthread_self())
                threads.withLock { _ = $0.insert(id) }
                usleep(10)
            }
        }
        #expect(threads.withLock { $0.count } == 2)
    }

    @Test("concurrent callers are serialised, not interleaved")
    func concurrentCallers() async {
        let pool = ThreadPool(threadCount: 2)
        let total = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 { pool.run(tasks: 10) { _ in total.increment() } }
                }
            }
        }
        #expect(total.count == 4000)
    }

    @Test("a pool can be released and its workers stop")
    func shutdown() {
        for _ in 0..<10 {
            let pool = ThreadPool(threadCount: 3, spinIterations: 100)
            pool.run(tasks: 3) { _ in }
        }
    }
}
