import NIOCore
import Synchronization

/// Cancels a request's work when its client goes away.
///
/// Hummingbird does not cancel a handler whose client went away, and it allows half-closed
/// connections, so a client that closes its socket leaves the channel open (input closed) until
/// the response is written: without this an upstream call would run — and be paid for — to its end.
/// ``DisconnectHandler`` sits in every connection's pipeline and reports the client's close (input
/// closed, as nginx reads it for its 499, or the channel going inactive); while a request runs, its
/// connection holds a handle to cancel the request's task.
package final class DisconnectWatcher: Sendable {
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    package init() {}

    /// Runs `work`; if the client's connection closes meanwhile, the current task is cancelled.
    package func run<T>(on channel: any Channel, _ work: () async throws -> T) async throws -> T {
        guard let connection = connections.withLock({ $0[ObjectIdentifier(channel)] }) else {
            return try await work()
        }
        return try await withUnsafeCurrentTask { task in
            // The handle is cleared (under the lock) before this closure returns, so the close
            // report never touches the task after it is gone.
            connection.begin(task.map(TaskHandle.init))
            defer { connection.end() }
            return try await work()
        }
    }

    /// A fresh handler for one connection's pipeline.
    package func makeHandler() -> DisconnectHandler {
        DisconnectHandler(watcher: self)
    }

    fileprivate func opened(_ channel: any Channel) {
        connections.withLock { $0[ObjectIdentifier(channel)] = Connection() }
    }

    fileprivate func closed(_ channel: any Channel, remove: Bool) {
        let connection = connections.withLock { connections in
            remove ? connections.removeValue(forKey: ObjectIdentifier(channel)) : connections[ObjectIdentifier(channel)]
        }
        connection?.close()
    }

    /// How many connections are being watched (for tests).
    package var watchedConnections: Int { connections.withLock { $0.count } }
}

/// Reports a connection's client closing to its ``DisconnectWatcher``.
package final class DisconnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = NIOAny
    private let watcher: DisconnectWatcher

    init(watcher: DisconnectWatcher) {
        self.watcher = watcher
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        watcher.opened(context.channel)
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        watcher.closed(context.channel, remove: true)
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            watcher.closed(context.channel, remove: false)
        }
        context.fireUserInboundEventTriggered(event)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        watcher.closed(context.channel, remove: true)
        context.fireChannelInactive()
    }
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
