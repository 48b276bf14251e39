import AjarCore
import AjarGateway
import AjarStore
import AjarServer
import AjarTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A gateway on a loopback port in front of the fake vendors, as `ajar serve` runs it.
final class LoopbackGateway: Sendable {
    let vendors: FakeVendorServer
    let vendorPort: Int
    let port: Int
    private let gateway: Gateway
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static let policy = """
        policy:
          data:
            email: block
        """

    /// The `providers:` and `models:` sections routed to the fake vendors on `vendorPort`.
    static func routes(vendorPort: Int) -> String {
        """
        providers:
          openai:
            type: openai
            base_url: http://127.0.0.1:\(vendorPort)/v1
            api_key: sk-test-openai-secret
            timeout: 5
        models:
          fast:
            deployments:
              - provider: openai
                model: gpt-4o-mini
          smart:
            deployments:
              - provider: openai
                model: gpt-4o
          broken:
            deployments:
              - provider: openai
                model: error-500
          busy:
            deployments:
              - provider: openai
                model: error-429
          midway:
            deployments:
              - provider: openai
                model: error-mid-stream
        retry:
          attempts: 1
        """
    }

    /// - Parameter adminKey: when set, every request needs a key (a temporary SQLite store holds them).
    static func start(adminKey: String? = nil) async throws -> LoopbackGateway {
        let vendors = FakeVendorServer()
        let vendorPort = try await vendors.start(port: 0)
        let yaml = """
            server:
              host: 127.0.0.1
              port: 0
            storage: none
            \(routes(vendorPort: vendorPort))
            \(policy)
            """
        let config = try ConfigLoader.parse(yaml, environment: [:])
        var accountant: Accountant?
        var directory: URL?
        if let adminKey {
            let (store, folder) = try TemporaryStore.make()
            accountant = Accountant(store: store, adminKey: Secret(adminKey))
            directory = folder
        }
        let gateway = Gateway(config: config, accountant: accountant)
        var logger = Logger(label: "ajar-cli-test")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(gateway: gateway, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var bound = 0
        for await port in ports { bound = port }
        return LoopbackGateway(
            vendors: vendors, vendorPort: vendorPort, port: bound, gateway: gateway, group: group, task: task, directory: directory)
    }

    private let directory: URL?

    private init(
        vendors: FakeVendorServer, vendorPort: Int, port: Int, gateway: Gateway, group: ServiceGroup, task: Task<Void, any Error>,
        directory: URL?
    ) {
        self.directory = directory
        self.vendors = vendors
        self.vendorPort = vendorPort
        self.port = port
        self.gateway = gateway
        self.group = group
        self.task = task
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        await gateway.shutdown()
        await vendors.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Runs the built `ajar` binary with `input` on standard input.
enum AjarBinary {
    /// `.build/<triple>/debug/ajar`, beside the test bundle (or under the package root).
    static var path: String? {
        var candidates: [String] = []
        if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(bundle.appendingPathComponent("ajar").path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ajar").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], input: String, environment: [String: String] = [:], directory: String? = nil) async throws -> Result {
        guard let path else { throw BinaryMissing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["AJAR_API_KEY"] = nil
        for (name, value) in environment { env[name] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        // Read both pipes to the end on threads of their own (a full pipe would block the child).
        let outHandle = stdout.fileHandleForReading, errHandle = stderr.fileHandleForReading
        // Blocking reads on threads of their own, never on the (small) cooperative pool, which
        // the gateway under test needs to answer (a full pipe would block the child otherwise).
        async let outData = readToEnd(outHandle)
        async let errData = readToEnd(errHandle)
        let (out, err) = await (outData, errData)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }.start()
        }
    }

    struct BinaryMissing: Error, CustomStringConvertible {
        var description: String { "the ajar binary is not built (swift build --build-tests)" }
    }
}

@Suite("ajar chat, the built binary", .serialized)
struct ChatBinaryTests {
    @Test func chatsWithARunningGateway() async throws {
        let gateway = try await LoopbackGateway.start()
        let result: AjarBinary.Result
        do {
            let input = """
                hello there
                /model smart
                second question
                /reset
                third
                /model nope
                still here?
                /model fast
                mail me at jane.doe@example.com
                after the errors
                /exit
                never sent
                """
            result = try await AjarBinary.run(
                ["chat", "--url", "http://127.0.0.1:\(gateway.port)", "--model", "fast", "--key", "sk-chat-secret-key"], input: input + "\n")
        } catch {
            await gateway.stop()
            throw error
        }
        let requests = await gateway.vendors.recordedRequests()
        await gateway.stop()

        #expect(result.status == 0)
        let out = result.stdout
        // Answers stream in, each followed by the deployment that answered and the policy line.
        #expect(out.contains("fake-openai gpt-4o-mini: hello there\nmodel: openai/gpt-4o-mini"))
        #expect(out.contains("fake-openai gpt-4o: second question\nmodel: openai/gpt-4o"))
        #expect(out.contains("fake-openai gpt-4o: third\n"))
        #expect(out.contains("fake-openai gpt-4o-mini: after the errors\n"))
        #expect(out.contains("policy: tier="))
        #expect(!out.contains("never sent"))
        // Errors are one line each, and the chat goes on after them.
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }
        #expect(errors.count == 2, "\(result.stderr)")
        #expect(errors.first?.hasPrefix("error 404 model_not_found: ") == true)
        #expect(errors.last?.hasPrefix("error 403 ") == true)
        #expect(errors.last?.contains("email") == true)
        #expect(!out.contains("jane.doe@example.com"))
        // A refusal still says what the policy decided.
        #expect(out.contains("policy: ") && out.components(separatedBy: "policy: ").count >= 6)
        // The key never shows.
        #expect(!(out + result.stderr).contains("sk-chat-secret-key"))

        // History: the second question carried the first exchange; /reset cleared it; failed turns are not kept.
        let bodies = requests.map(\.bodyText)
        #expect(bodies.count == 4)
        if bodies.count == 4 {
            #expect(bodies[1].contains("hello there") && bodies[1].contains("fake-openai gpt-4o-mini: hello there"))
            #expect(!bodies[2].contains("hello there") && bodies[2].contains("third"))
            #expect(bodies[3].contains("third") && !bodies[3].contains("still here?") && !bodies[3].contains("jane.doe"))
        }
    }

    @Test func upstreamFailuresAreOneLineAndTheChatGoesOn() async throws {
        let gateway = try await LoopbackGateway.start()
        let input = "/model broken\none\n/model busy\ntwo\n/model midway\nthree\n/model fast\nfour\n"
        let result: AjarBinary.Result
        do {
            result = try await AjarBinary.run(["chat", "--url", "http://127.0.0.1:\(gateway.port)/v1"], input: input)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
        #expect(result.status == 0)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }.map(String.init)
        #expect(errors.count == 3, "\(result.stderr)")
        if errors.count == 3 {
            #expect(errors[0].hasPrefix("error 502 "), "\(errors[0])")
            #expect(errors[1].hasPrefix("error 503 ") && errors[1].hasSuffix("s)"), "\(errors[1])")
            // A stream that fails after its first tokens: the text so far, then the error line.
            #expect(errors[2].hasPrefix("error upstream_error: "), "\(errors[2])")
        }
        #expect(result.stdout.contains("fake-openai gpt-4o-mini: four\nmodel: openai/gpt-4o-mini"))
    }

    @Test func aMissingKeyIsOneLineAndAKeyWorks() async throws {
        let admin = "sk-admin-chat-test-0123456789"
        let gateway = try await LoopbackGateway.start(adminKey: admin)
        let without: AjarBinary.Result
        let with: AjarBinary.Result
        do {
            without = try await AjarBinary.run(
                ["chat", "--url", "http://127.0.0.1:\(gateway.port)", "--model", "fast"], input: "hello\nagain\n")
            with = try await AjarBinary.run(
                ["chat", "--url", "http://127.0.0.1:\(gateway.port)", "--model", "fast"], input: "hello\n",
                environment: ["AJAR_API_KEY": admin])
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
        #expect(without.status == 0)
        let errors = without.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }
        #expect(errors.count == 2, "\(without.stderr)")
        #expect(errors.allSatisfy { $0.hasPrefix("error 401 ") }, "\(without.stderr)")
        #expect(with.stdout.contains("fake-openai gpt-4o-mini: hello\n"), "\(with.stderr)")
        #expect(!(with.stdout + with.stderr + without.stdout + without.stderr).contains(admin))
    }

    @Test func refusesAnUnreachableExplicitURL() async throws {
        let result = try await AjarBinary.run(["chat", "--url", "http://127.0.0.1:9", "--model", "fast"], input: "hi\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("no gateway answers at http://127.0.0.1:9"))
    }

    @Test func chatsInProcessWithoutAServer() async throws {
        let vendors = FakeVendorServer()
        let vendorPort = try await vendors.start(port: 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Port 9 (discard) has no gateway: with no --url, the chat builds the gateway in-process.
        let yaml = """
            server:
              host: 127.0.0.1
              port: 9
            \(LoopbackGateway.routes(vendorPort: vendorPort))
            \(LoopbackGateway.policy)
            """
        try yaml.write(to: folder.appendingPathComponent("ajar.yaml"), atomically: true, encoding: .utf8)
        let input = "hello local\n/model smart\nand again\n/model missing\nnot answered\n/model fast\nmy mail is jane.doe@example.com\nstill going\n"
        let fallback: AjarBinary.Result
        let forced: AjarBinary.Result
        do {
            fallback = try await AjarBinary.run(["chat", "--model", "fast"], input: input, directory: folder.path)
            forced = try await AjarBinary.run(["chat", "--local", "--config", folder.appendingPathComponent("ajar.yaml").path], input: "one line\n")
        } catch {
            await vendors.stop()
            throw error
        }
        await vendors.stop()

        #expect(fallback.status == 0, "\(fallback.stderr)")
        #expect(fallback.stderr.contains("chatting in-process"))
        #expect(fallback.stdout.contains("fake-openai gpt-4o-mini: hello local\nmodel: openai/gpt-4o-mini"))
        #expect(fallback.stdout.contains("fake-openai gpt-4o: and again\nmodel: openai/gpt-4o"))
        #expect(fallback.stdout.contains("fake-openai gpt-4o-mini: still going\n"))
        #expect(fallback.stdout.contains("policy: tier="))
        let errors = fallback.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }
        #expect(errors.count == 2, "\(fallback.stderr)")
        #expect(errors.first?.hasPrefix("error 404 model_not_found: ") == true)
        #expect(errors.last?.hasPrefix("error 403 ") == true)
        // The in-process gateway keeps its usage and audit in the configured store, as `ajar serve` does.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".ajar/ajar.db").path))

        // --local with no --model: the first available chat model.
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("fake-openai gpt-4o-mini: one line\n"))
    }
}
