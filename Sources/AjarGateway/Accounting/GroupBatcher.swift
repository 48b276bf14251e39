import Synchronization

/// Group commit: many concurrent callers' items done by one store call.
///
/// A caller hands its item to ``submit(_:)`` and waits. If no group is in flight, one starts at
/// once with whatever is pending; items that arrive while it runs wait for the next group. So an
/// idle gateway does each request's write on its own (no added latency), and a busy one pays for
/// one transaction per group instead of one or more per request — while every caller still gets
/// its own result only once its group is done (for records: committed, so "answered ⇒ recorded").
///
/// If a group fails, its items are retried one by one, so one bad item fails alone.
final class GroupBatcher<Item: Sendable, Output: Sendable>: Sendable {
    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Output, any Error>
    }

    private struct State {
        var pending: [Waiting] = []
        var running = false
    }

    private let state = Mutex(State())
    private let perform: @Sendable ([Item]) async throws -> [Output]
    /// The most items in one group.
    private let maxGroup: Int

    /// - Parameter perform: does a group, returning one output per item, in order.
    init(maxGroup: Int = 256, perform: @escaping @Sendable ([Item]) async throws -> [Output]) {
        self.perform = perform
        self.maxGroup = max(1, maxGroup)
    }

    /// Returns `item`'s output once its group is done.
    /// - Throws: the store's error if `item` failed (also alone).
    func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            let start = state.withLock { state -> Bool in
                state.pending.append(Waiting(item: item, continuation: continuation))
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Does what is pending, group by group, until nothing is.
    private func drain() async {
        while true {
            let group = state.withLock { state -> [Waiting] in
                let count = min(state.pending.count, maxGroup)
                let group = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if group.isEmpty { state.running = false }
                return group
            }
            guard !group.isEmpty else { return }
            do {
                let outputs = try await perform(group.map(\.item))
                guard outputs.count == group.count else { throw GroupMismatch() }
                for (waiting, output) in zip(group, outputs) { waiting.continuation.resume(returning: output) }
            } catch where group.count > 1 {
                for waiting in group {
                    do {
                        let outputs = try await perform([waiting.item])
                        guard let output = outputs.first else { throw GroupMismatch() }
                        waiting.continuation.resume(returning: output)
                    } catch {
                        waiting.continuation.resume(throwing: error)
                    }
                }
            } catch {
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}

/// A group's call returned a different number of outputs than it was given items (a bug).
struct GroupMismatch: Error, CustomStringConvertible {
    var description: String { "a group call returned the wrong number of results" }
}
