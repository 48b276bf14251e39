// One loopback HTTP server that speaks the documented wire formats of OpenAI (Chat Completions,
// Embeddings, Models), Anthropic (Messages) and Google Gemini (generateContent,
// streamGenerateContent, embedContent, batchEmbedContents), so that Ajar's provider adapters and
// an end-to-end SDK suite can be tested without the internet. The requested model name picks a
// scripted behaviour (see `Scenario`); every request is recorded.
//
//     let server = FakeVendorServer()
//     let port = try await server.start()
//     // … point an adapter at http://127.0.0.1:\(port) …
//     let sent = await server.recordedRequests()
//     await server.stop()
//
// Over HTTP: `GET /_fake/requests` returns the recorded requests as a JSON array,
// `DELETE /_fake/requests` clears them, `GET /health` answers `{"status":"ok"}`.

import Hummingbird
import Logging
import NIOCore

/// A fake OpenAI + Anthropic + Gemini server on 127.0.0.1. Several can run at once.
package actor FakeVendorServer {
    /// How the fake server behaves.
    package struct Options: Sendable {
        /// The one OpenAI key accepted; `nil` accepts any non-empty key.
        package var openAIKey: String?
        /// The one Anthropic key accepted; `nil` accepts any non-empty key.
        package var anthropicKey: String?
        /// The one Gemini key accepted; `nil` accepts any non-empty key.
        package var geminiKey: String?
        /// Cut stream bodies into awkward 1-17-byte pieces (`true`), or write whole events.
        package var splitsStreams: Bool
        /// Seed for the cut positions (mixed with each request's path and body).
        package var seed: UInt64
        /// Reject top-level request fields the vendor does not know, as the real APIs do.
        package var rejectsUnknownFields: Bool
        /// Length of embedding vectors when the request does not ask for one.
        package var embeddingDimensions: Int
        /// Largest request body read; larger ones get the vendor's 413.
        package var maxBodyBytes: Int

        package init(
            openAIKey: String? = nil,
            anthropicKey: String? = nil,
            geminiKey: String? = nil,
            splitsStreams: Bool = true,
            seed: UInt64 = 0x414A_4152,
            rejectsUnknownFields: Bool = true,
            embeddingDimensions: Int = 16,
            maxBodyBytes: Int = 32 * 1024 * 1024
        ) {
            self.openAIKey = openAIKey
            self.anthropicKey = anthropicKey
            self.geminiKey = geminiKey
            self.splitsStreams = splitsStreams
            self.seed = seed
            self.rejectsUnknownFields = rejectsUnknownFields
            self.embeddingDimensions = embeddingDimensions
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// Why the server could not start.
    package enum StartError: Error, Equatable {
        /// `start` was called while the server was running.
        case alreadyRunning
        /// The server stopped before it was listening (e.g. the port was taken); see the log.
        case stoppedBeforeListening(String)
    }

    package nonisolated let options: Options
    private nonisolated let state: FakeVendorState
    private var running: Task<Void, Never>?
    /// The port the server listens on, once started.
    package private(set) var port: Int?

    package init(options: Options = .init()) {
        self.options = options
        self.state = FakeVendorState(options: options)
    }

    /// `http://127.0.0.1:PORT` once started.
    package var baseURL: String? { port.map { "http://127.0.0.1:\($0)" } }

    /// Starts listening on 127.0.0.1 and returns once it does.
    /// - Parameter port: The port, or 0 for any free one.
    /// - Returns: The port bound.
    /// - Throws: `StartError`.
    package func start(port: Int = 0) async throws -> Int {
        guard running == nil else { throw StartError.alreadyRunning }
        let (events, continuation) = AsyncStream.makeStream(of: Result<Int, StartError>.self)
        let state = self.state
        running = Task {
            // Stopping cancels the server, which Hummingbird logs as an error; nothing else is
            // logged above `critical`, and start failures are thrown.
            let app = Self.makeApplication(state: state, port: port, logLevel: .critical) { bound in
                continuation.yield(.success(bound))
            }
            do {
                try await app.run()
                continuation.yield(.failure(.stoppedBeforeListening("the server stopped")))
            } catch {
                continuation.yield(.failure(.stoppedBeforeListening(String(describing: error))))
            }
            continuation.finish()
        }
        for await event in events {
            switch event {
            case .success(let bound):
                self.port = bound
                return bound
            case .failure(let error):
                running = nil
                throw error
            }
        }
        running = nil
        throw StartError.stoppedBeforeListening("the server stopped")
    }

    /// Stops the server: closes the listener and every connection (streams in flight end
    /// abruptly) and waits until it is down. Calling it when stopped does nothing.
    package func stop() async {
        guard let task = running else { return }
        running = nil
        task.cancel()
        await task.value
        port = nil
    }

    /// Every request received so far, oldest first (the non-stream `bench-model` fast path is not
    /// recorded; nor are `/_fake/…` and `/health`).
    package nonisolated func recordedRequests() async -> [RecordedRequest] {
        state.recordedRequests()
    }

    /// Forgets the recorded requests.
    package nonisolated func clearRecordedRequests() async {
        state.clearRecordedRequests()
    }

    /// Runs a server in the foreground until SIGINT or SIGTERM (for the `ajar-fake-vendors`
    /// executable).
    /// - Parameters:
    ///   - options: How the server behaves.
    ///   - port: The port, or 0 for any free one.
    ///   - onListening: Called once with the bound port when the server listens.
    package static func runUntilSignalled(
        options: Options,
        port: Int,
        onListening: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let app = makeApplication(
            state: FakeVendorState(options: options), port: port, logLevel: .warning, onListening: onListening
        )
        try await app.runService()
    }

    private static func makeApplication(
        state: FakeVendorState,
        port: Int,
        logLevel: Logger.Level,
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        var logger = Logger(label: "ajar.fake-vendors")
        logger.logLevel = logLevel
        return Application(
            responder: FakeVendorResponder(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 1024),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
    }
}
