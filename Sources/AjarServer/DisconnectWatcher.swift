import NIOCore
import Synchronization

/// Cancels a request's work when its client's connection closes.
///
/// Hummingbird does not cancel a handler whose client went away, so without this an upstream call
/// would run — and be paid for — to its end. Each connection registers one close callback (not one
/// per request, so a long keep-alive connection does not accumulate them); while a request runs, the
/// connection holds a handle to cancel its task.
package final class DisconnectWatcher: Sendable {
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    package init() {}

    /// Runs `work`; if the client's connection closes meanwhile, the current task is cancelled.
    package func run<T>(on channel: any Channel, _ work: () async throws -> T) async throws -> T {
        let connection = connection(for: channel)
        return try await withUnsafeCurrentTask { task in
            // The handle is cleared (under the lock) before this closure returns, so the close
            // callback never touches the task after it is gone.
            connection.begin(task.map(TaskHandle.init))
            defer { connection.end() }
            return try await work()
        }
    }

    private func connection(for channel: any Channel) -> Connection {
        let id = ObjectIdentifier(channel)
        let (connection, isNew) = connections.withLock { connections in
            if let existing = connections[id] { return (existing, false) }
            let created = Connection()
            connections[id] = created
            return (created, true)
        }
        if isNew {
            channel.closeFuture.whenComplete { [weak self] _ in
                connection.close()
                _ = self?.connections.withLock { $0.removeValue(forKey: id) }
            }
        }
        return connection
    }

    /// How many connections are being watched (for tests).
    package var watchedConnections: Int { connections.withLock { $0.count } }
}

private struct TaskHandle: @unchecked Sendable {
    let task: UnsafeCurrentTask
}

private final class Connection: Sendable {
    private struct State {
        var current: TaskHandle?
        var isClosed = false
    }

    private let state = Mutex(State())

    func begin(_ handle: TaskHandle?) {
        let cancelNow = state.withLock { state in
            state.current = handle
            return state.isClosed
        }
        if cancelNow { handle?.task.cancel() }
    }

    func end() {
        state.withLock { $0.current = nil }
    }

    func close() {
        state.withLock { state in
            state.isClosed = true
            state.current?.task.cancel()
        }
    }
}
