import AjarCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing

/// A client that goes away cancels the upstream call.
@Suite("Client disconnects")
struct DisconnectTests {
    /// A provider that waits until cancelled, and records that it was.
    final class ProbeProvider: ChatProvider {
        let name = "probe"
        let started = Mutex(0)
        let cancelled = Mutex(0)

        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            started.withLock { $0 += 1 }
            do {
                try await Task.sleep(for: .seconds(20))
            } catch {
                cancelled.withLock { $0 += 1 }
                throw error
            }
            throw ProviderError.timeout
        }

        func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error> {
            AsyncThrowingStream { continuation in
                let task = Task {
                    continuation.yield(
                        ChatChunk(
                            id: "c", model: "probe", created: 0,
                            choices: [ChunkChoice(index: 0, delta: ChunkDelta(role: .assistant, content: "first"))]))
                    self.started.withLock { $0 += 1 }
                    do {
                        try await Task.sleep(for: .seconds(20))
                    } catch {
                        self.cancelled.withLock { $0 += 1 }
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }

    static let models = """
          probe:
            deployments:
              - provider: probe
                model: probe-model
        """

    @Test("closing the connection during a non-streamed call cancels the upstream call")
    func nonStreamed() async throws {
        let probe = ProbeProvider()
        let ajar = try await TestGateway.start(models: Self.models, extraProviders: ["probe": probe])
        defer { Task { await ajar.stop() } }
        let connection = try #require(RawConnection(port: ajar.port))
        #expect(connection.post("/v1/chat/completions", body: openAIChat("probe").bytes))
        // Walk away once the upstream call is under way.
        try await waitFor { probe.started.withLock { $0 } == 1 }
        connection.close()
        try await waitFor { probe.cancelled.withLock { $0 } == 1 }
        #expect(probe.started.withLock { $0 } == 1)
        #expect(probe.cancelled.withLock { $0 } == 1)
    }

    @Test("closing the connection during a stream cancels the upstream stream")
    func streamed() async throws {
        let probe = ProbeProvider()
        let ajar = try await TestGateway.start(models: Self.models, extraProviders: ["probe": probe])
        defer { Task { await ajar.stop() } }
        let connection = try #require(RawConnection(port: ajar.port))
        #expect(connection.post("/v1/chat/completions", body: openAIChat("probe", stream: true).bytes))
        // Read the head and first event, then walk away.
        var received = ""
        for _ in 0..<20 where !received.contains("first") { received += connection.read() }
        #expect(received.hasPrefix("HTTP/1.1 200"))
        #expect(received.contains("first"))
        try await waitFor { probe.started.withLock { $0 } == 1 }
        connection.close()
        try await waitFor { probe.cancelled.withLock { $0 } == 1 }
        #expect(probe.cancelled.withLock { $0 } == 1)
    }

    private func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<400 where !condition() {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
