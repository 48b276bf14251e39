import Synchronization

/// Group commit: many concurrent callers' items done by one store call.
///
/// A caller hands its item to ``submit(_:)`` and waits. The caller that finds no group in flight
/// leads: it does a group (its own item and whatever is pending) on its own task, answers the
/// others in it, and hands the lead to the first caller that arrived meanwhile, whose group is
/// then everything pending. So an idle gateway does each request's write on its own (no added
/// latency, no task or thread hop), and a busy one pays for one transaction per group instead of
/// one or more per request — while every caller still gets its own result only once its group is
/// done (for records: committed, so "answered ⇒ recorded").
///
/// No task is spawned and nothing waits on a timer: a group starts the moment the previous one
/// ends, on the task of a request that is waiting anyway.
///
/// If a group fails, its items are retried one by one, so one bad item fails alone.
final class GroupBatcher<Item: Sendable, Output: Sendable>: Sendable {
    /// What a waiting caller is woken with: its result, or the lead.
    private enum Wake: Sendable {
        case done(Result<Output, any Error>)
        case lead
    }

    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Wake, Never>
    }

    private struct State {
        var pending: [Waiting] = []
        /// Whether a caller leads a group now.
        var leading = false
    }

    private let state = Mutex(State())
    /// Groups done and items in them, since start (for metrics and benchmarks).
    private let counts = Mutex((groups: 0, items: 0))

    /// Groups done and the items they held.
    var statistics: (groups: Int, items: Int) { counts.withLock { $0 } }
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
        let leads = state.withLock { state -> Bool in
            guard !state.leading else { return false }
            state.leading = true
            return true
        }
        if leads { return try await lead(item) }
        let wake = await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
            let leadsNow = state.withLock { state -> Bool in
                // The group in flight may have ended since the check above.
                guard state.leading else {
                    state.leading = true
                    return true
                }
                state.pending.append(Waiting(item: item, continuation: continuation))
                return false
            }
            if leadsNow { continuation.resume(returning: .lead) }
        }
        switch wake {
        case .done(let result): return try result.get()
        case .lead: return try await lead(item)
        }
    }

    /// Does a group of `own` and what is pending, answers the others, then passes the lead on.
    private func lead(_ own: Item) async throws -> Output {
        let others = state.withLock { state -> [Waiting] in
            let count = min(state.pending.count, maxGroup - 1)
            let group = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return group
        }
        counts.withLock { $0.groups += 1; $0.items += 1 + others.count }
        let results = await run([own] + others.map(\.item))
        for (waiting, result) in zip(others, results.dropFirst()) { waiting.continuation.resume(returning: .done(result)) }
        let next = state.withLock { state -> Waiting? in
            guard !state.pending.isEmpty else {
                state.leading = false
                return nil
            }
            return state.pending.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        guard let mine = results.first else { throw GroupMismatch() }
        return try mine.get()
    }

    /// `perform(items)`, out of reach of the leader's cancellation: a request's task is cancelled
    /// when its client goes away, but the group holds other requests' records too (and the
    /// leader's own record is still to be kept). A store call that failed while the task was
    /// cancelled (a database access interrupted, so nothing committed: `perform` is all or
    /// nothing) runs again in a task of its own, which no client can cancel.
    private func shielded(_ items: [Item]) async throws -> [Output] {
        if !Task.isCancelled {
            do {
                return try await perform(items)
            } catch {
                guard Task.isCancelled else { throw error }
            }
        }
        return try await Task { try await self.perform(items) }.value
    }

    /// One result per item: the group's, or, if the group failed, each item's on its own.
    private func run(_ items: [Item]) async -> [Result<Output, any Error>] {
        do {
            let outputs = try await shielded(items)
            guard outputs.count == items.count else { throw GroupMismatch() }
            return outputs.map { .success($0) }
        } catch where items.count > 1 {
            var results: [Result<Output, any Error>] = []
            results.reserveCapacity(items.count)
            for item in items {
                do {
                    guard let output = try await shielded([item]).first else { throw GroupMismatch() }
                    results.append(.success(output))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        } catch {
            return items.map { _ in .failure(error) }
        }
    }
}

/// A group's call returned a different number of outputs than it was given items (a bug).
struct GroupMismatch: Error, CustomStringConvertible {
    var description: String { "a group call returned the wrong number of results" }
}
