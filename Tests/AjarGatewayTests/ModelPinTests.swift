import AjarCore
import AjarStore
import Foundation
import Logging
import Testing

@testable import AjarGateway

/// Local model files pinned by SHA-256: checked at load, watched per request (size and
/// modification time, rehash on change), refused alone on a mismatch.
@Suite("Model pinning")
struct ModelPinTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-pin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a pin accepts the pinned content, refuses a changed file (same size too), accepts it changed back")
    func pinLifecycle() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("weights.bin")
        try Data("open weights v1".utf8).write(to: file)
        // SHA-256("open weights v1"), computed independently with sha256sum.
        let expected = try ModelPin.sha256(path: file.path)
        #expect(expected.count == 64)
        let pin = ModelPin(path: file.path, sha256: expected.uppercased())
        #expect(pin.check() == nil)

        try Data("open weights v2".utf8).write(to: file)  // same size, new content and time
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: file.path)
        let reason = try #require(pin.check())
        #expect(reason.contains("does not match the pinned SHA-256"))
        #expect(reason.contains(expected))

        try Data("open weights v1".utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: file.path)
        #expect(pin.check() == nil)

        try FileManager.default.removeItem(at: file)
        #expect(pin.check()?.contains("cannot be read") == true)
    }

    @Test("the hash is sha256sum's")
    func hashMatchesSystemTool() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("blob")
        var bytes = [UInt8](repeating: 0, count: 9 << 20)  // more than two 4 MiB pieces
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 11) }
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(try ModelPin.sha256(path: file.path) == String(output.prefix(64)))
    }

    static let modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let modelSHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    static func config(modelPath: String, sha256: String) throws -> AjarConfig {
        try ConfigLoader.parse(
            """
            providers:
              local: {type: local, context_length: 256}
              remote: {type: openai, base_url: "http://127.0.0.1:9/v1"}
            models:
              smol:
                provenance: {sha256: \(sha256)}
                deployments: [{provider: local, model: "\(modelPath)"}]
              other:
                deployments: [{provider: remote, model: x}]
            """, environment: [:])
    }

    @Test("a local model whose file does not match its pin is not loaded; others keep serving",
          .enabled(if: FileManager.default.fileExists(atPath: modelPath)))
    func wrongPinAtLoad() async throws {
        let wrong = String(repeating: "0", count: 64)
        let remote = ScriptedProvider("remote", [.answer("still here")])
        let gateway = Gateway(config: try Self.config(modelPath: Self.modelPath, sha256: wrong), extraProviders: ["remote": remote])
        defer { Task { await gateway.shutdown() } }
        let reason = try #require(gateway.localFailures["local/\(Self.modelPath)"])
        #expect(reason.contains("does not match the pinned SHA-256"))
        #expect(gateway.models.first { $0.alias == "smol" }?.isAvailable == false)
        await #expect(throws: GatewayError.self) {
            _ = try await gateway.complete(ChatRequest(model: "smol", messages: [ChatMessage(role: .user, text: "hi")]), logger: Logger(label: "t"))
        }
        let other = try await gateway.complete(
            ChatRequest(model: "other", messages: [ChatMessage(role: .user, text: "hi")]), logger: Logger(label: "t"))
        #expect(other.value.choices.first?.message.text == "still here")
    }

    @Test("a pinned model that changes while serving is refused from the next request on",
          .enabled(if: FileManager.default.fileExists(atPath: modelPath)))
    func changeWhileServing() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("model.gguf").path
        try FileManager.default.copyItem(atPath: Self.modelPath, toPath: copy)
        let (store, storeDirectory) = try TemporaryStore.make()
        defer { try? FileManager.default.removeItem(at: storeDirectory) }
        let gateway = Gateway(
            config: try Self.config(modelPath: copy, sha256: Self.modelSHA256), accountant: Accountant(store: store, adminKey: nil))
        defer { Task { await gateway.shutdown() } }
        #expect(gateway.localFailures.isEmpty)
        var request = ChatRequest(model: "smol", messages: [ChatMessage(role: .user, text: "Say hi")])
        request.maxTokens = 2
        let first = try await gateway.complete(request, logger: Logger(label: "t"))
        #expect(first.deployment.id == "local/\(copy)")

        // Append a byte: the weights the engine mapped are no longer what was pinned.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        do {
            _ = try await gateway.complete(request, logger: Logger(label: "t"))
            Issue.record("a changed model file was served")
        } catch let error as GatewayError {
            guard case .unavailable(let message, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(message.contains("re-register"))
        }
        // The refusal is in the audit trail (once, however many requests it refuses).
        _ = try? await gateway.complete(request, logger: Logger(label: "t"))
        var refusals: [String] = []
        for _ in 0..<50 {
            refusals = try await store.exportAudit(from: nil, to: nil).filter { $0.contains("model.refused") }
            if !refusals.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(refusals.count == 1)
        #expect(refusals.first?.contains("local/\(copy)") == true)
        #expect(refusals.first?.contains("pinned SHA-256") == true)
    }
}
