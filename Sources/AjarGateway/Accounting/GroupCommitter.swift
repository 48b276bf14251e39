import AjarStore
import Synchronization

/// Group commit for the records requests write when they finish (settlement, usage, audit).
///
/// A request hands its ``RequestRecord`` to ``write(_:)`` and waits. If no commit is in flight, a
/// flush starts at once; records that arrive while it runs wait for the next flush, which writes
/// them all in one transaction. So an idle gateway commits each request on its own (no added
/// latency), and a busy one pays for one commit per group instead of four writes per request —
/// while every answer still goes out only after its record is committed ("acknowledged ⇒ recorded").
final class GroupCommitter: Sendable {
    private struct Waiting {
        let record: RequestRecord
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [Waiting] = []
        var flushing = false
    }

    private let state = Mutex(State())
    private let store: any GatewayStore
    /// The most records written in one transaction.
    private let maxBatch: Int

    init(store: any GatewayStore, maxBatch: Int = 256) {
        self.store = store
        self.maxBatch = max(1, maxBatch)
    }

    /// Returns once `record` is committed.
    /// - Throws: the store's error if its transaction failed (the record is not written).
    func write(_ record: RequestRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startFlush = state.withLock { state -> Bool in
                state.pending.append(Waiting(record: record, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlush { Task { await self.flush() } }
        }
    }

    /// Commits what is pending, group by group, until nothing is.
    private func flush() async {
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let count = min(state.pending.count, maxBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                try await store.commit(batch.map(\.record))
                for waiting in batch { waiting.continuation.resume() }
            } catch where batch.count > 1 {
                // One bad record must not lose the others: write them one by one.
                for waiting in batch {
                    do {
                        try await store.commit([waiting.record])
                        waiting.continuation.resume()
                    } catch {
                        waiting.continuation.resume(throwing: error)
                    }
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
