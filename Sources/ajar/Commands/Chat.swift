import AjarCore
import AjarGateway
import ArgumentParser
import Foundation

extension Ajar {
    /// `ajar chat`: an interactive chat against a running gateway, or in-process when none answers.
    struct Chat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Chat with a model: through a running gateway, or in-process when none is reachable.",
            discussion: """
                Answers stream as they come; after each one, the deployment that answered and the policy \
                decision are shown. Commands: /model NAME, /reset, /exit (or Ctrl-D). When standard input \
                is not a terminal, each line is one message.
                """)

        @Option(name: .long, help: "The model alias (default: the first available chat model, local ones first).")
        var model: String?

        @Option(name: .long, help: "The gateway's address (default: server.host and server.port of --config).")
        var url: String?

        @Option(name: .long, help: "The bearer key for the gateway (default: $AJAR_API_KEY).")
        var key: String?

        @Option(name: .long, help: "The configuration file (for the default address, and for --local).")
        var config: String = "ajar.yaml"

        @Flag(name: .long, help: "Do not look for a server: build the gateway in-process from --config.")
        var local = false

        func run() async throws {
            let interactive = isatty(STDIN_FILENO) == 1
            let backend = try await chooseBackend()
            var model = self.model
            if model == nil { model = await backend.defaultModel() }
            guard let startModel = model else {
                await backend.shutdown()
                ChatTerminal.error("error: no chat model is available at \(backend.place); pass --model NAME")
                throw ExitCode(1)
            }
            var session = ChatSession(model: startModel, backend: backend, styled: interactive && isatty(STDOUT_FILENO) == 1)
            ChatTerminal.info("ajar chat: \(startModel) via \(backend.place) — /model NAME, /reset, /exit")
            if interactive { ChatTerminal.prompt() }
            for await line in ChatTerminal.lines() {
                let keepGoing = await session.handle(ChatInput(line: line))
                if !keepGoing { break }
                if interactive { ChatTerminal.prompt() }
            }
            if interactive { ChatTerminal.out("\n") }
            await backend.shutdown()
        }

        /// A running gateway when one answers; otherwise (or with `--local`) one built in-process.
        /// An explicit `--url` that does not answer is an error, not a silent switch to local models.
        func chooseBackend() async throws -> any ChatBackend {
            if local { return try await LocalChat.start(configPath: config) }
            let address = url ?? defaultURL()
            let environmentKey = ProcessInfo.processInfo.environment["AJAR_API_KEY"]
            let remote = RemoteChat(baseURL: address, key: key ?? environmentKey)
            if await remote.isReachable() { return remote }
            await remote.shutdown()
            if url != nil {
                ChatTerminal.error("error: no gateway answers at \(remote.baseURL) (use --local to chat in-process)")
                throw ExitCode(1)
            }
            ChatTerminal.info("no gateway answers at \(remote.baseURL); chatting in-process with \(config)")
            return try await LocalChat.start(configPath: config)
        }

        /// `http://HOST:PORT` from the configuration's server section (a wildcard host becomes
        /// loopback), or `http://127.0.0.1:8080` when the file is missing or unreadable.
        func defaultURL() -> String {
            guard FileManager.default.fileExists(atPath: config), let loaded = try? ConfigLoader.load(path: config) else {
                return "http://127.0.0.1:8080"
            }
            return Self.url(host: loaded.server.host, port: loaded.server.port)
        }

        static func url(host: String, port: Int) -> String {
            var host = host
            if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
            if host == "::" { host = "::1" }
            if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
            return "http://\(host):\(port)"
        }
    }
}

/// The conversation: history, the current model, and what each input line does.
struct ChatSession {
    var model: String
    var history: [ChatMessage] = []
    let backend: any ChatBackend
    /// Dim the model and policy lines (a terminal on standard output).
    let styled: Bool

    init(model: String, backend: any ChatBackend, styled: Bool) {
        self.model = model
        self.backend = backend
        self.styled = styled
    }

    /// Acts on one line; `false` ends the chat.
    mutating func handle(_ input: ChatInput) async -> Bool {
        switch input {
        case .empty:
            break
        case .exit:
            return false
        case .help:
            ChatTerminal.out(ChatInput.helpText + "\n")
        case .reset:
            history.removeAll()
            ChatTerminal.info("conversation cleared")
        case .showModel:
            ChatTerminal.info("model: \(model)")
        case .model(let name):
            model = name
            ChatTerminal.info("model set to \(name)")
        case .unknown(let command):
            ChatTerminal.error("error: unknown command \(command) (/help lists them)")
        case .message(let text):
            history.append(ChatMessage(role: .user, text: text))
            let answer = await backend.send(model: model, messages: history) { ChatTerminal.out($0) }
            if !answer.text.isEmpty { ChatTerminal.out("\n") }
            if let error = answer.error {
                // The failed turn is forgotten, so the next message starts from a consistent history.
                history.removeLast()
                ChatTerminal.error(error)
            } else {
                history.append(ChatMessage(role: .assistant, text: answer.text))
            }
            for line in ChatSession.trailer(answer) { ChatTerminal.meta(line, styled: styled) }
        }
        return true
    }

    /// The lines shown under an answer: which deployment answered, and the policy's decision.
    static func trailer(_ answer: ChatAnswer) -> [String] {
        var lines: [String] = []
        if let deployment = answer.deployment {
            var line = "model: \(deployment)"
            if let usage = answer.usage { line += " (\(usage.prompt) in, \(usage.completion) out)" }
            lines.append(line)
        }
        if let policy = answer.policy { lines.append("policy: \(policy)") }
        return lines
    }
}

/// Standard input and output for the chat: unbuffered writes (tokens appear as they come) and
/// lines read on a thread of their own, so a blocking read never holds an event loop.
enum ChatTerminal {
    static func out(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }

    static func prompt() { out("> ") }

    static func meta(_ line: String, styled: Bool) {
        out(styled ? "\u{1B}[2m\(line)\u{1B}[0m\n" : line + "\n")
    }

    /// Notices go to standard error, so standard output holds only the conversation.
    static func info(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    static func error(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    static func lines() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        thread.start()
        return stream
    }
}
