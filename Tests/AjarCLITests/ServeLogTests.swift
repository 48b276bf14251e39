import AjarCore
import AjarTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// `ajar serve` with `logging: {format: json}`: one JSON object per line, and the lines a request
/// causes carry its `request.id`, the id the client got in `x-ajar-request-id`.
@Suite("Structured logs")
struct ServeLogTests {
    @Test("JSON log lines carry the request's id")
    func jsonLogsCarryRequestID() async throws {
        guard let binary = AjarBinary.path else { throw AjarBinary.BinaryMissing() }
        let vendors = FakeVendorServer()
        let vendorPort = try await vendors.start(port: 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("ajar.yaml")
        try """
            server: {host: 127.0.0.1, port: 0}
            providers:
              openai: {type: openai, base_url: "http://127.0.0.1:\(vendorPort)/v1", api_key: sk-log-test-secret}
            models:
              flaky:
                deployments: [{provider: openai, model: error-500}, {provider: openai, model: gpt-4o-mini}]
            retry: {attempts: 1}
            storage: none
            logging: {level: debug, format: json}
            """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config.path]
        let logFile = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.standardError = log
        process.standardOutput = log
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // The port, from the start-up line.
        var port: Int?
        for _ in 0..<300 where port == nil {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last ?? "")
            }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let bound = try #require(port)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(bound)/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"model":"flaky","messages":[{"role":"user","content":"hi"}]}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        _ = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status.code == 200)
        let requestID = try #require(response.headers.first(name: "x-ajar-request-id"))
        await vendors.stop()
        try await Task.sleep(for: .milliseconds(200))

        let lines = ((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").split(separator: "\n")
        let objects = lines.compactMap { try? JSONParser.parse(String($0)) }
        #expect(objects.count == lines.count, "every line is one JSON object")
        let mine = objects.filter { $0["request.id"]?.stringValue == requestID }
        #expect(mine.contains { $0["message"]?.stringValue == "upstream attempt failed" }, "\(lines)")
        #expect(mine.allSatisfy { $0["level"] != nil && $0["time"] != nil })
        #expect(!lines.joined().contains("sk-log-test-secret"))
    }
}

@Suite("ajar serve refuses unsafe configurations")
struct ServeRefusalTests {
    @Test("an admin key with storage: none is refused, with a message that says why")
    func adminKeyWithoutStore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-refuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("ajar.yaml")
        try """
            server: {host: 127.0.0.1, port: 0}
            providers:
              openai: {type: openai, base_url: "http://127.0.0.1:9/v1", api_key: sk-x}
            models:
              m: {deployments: [{provider: openai, model: gpt-4o-mini}]}
            storage: none
            auth: {admin_key: refuse-me}
            """.write(to: config, atomically: true, encoding: .utf8)
        let result = try await AjarBinary.run(["serve", "--config", config.path], input: "")
        #expect(result.status == 1)
        #expect(result.stderr.contains("storage: none cannot be used with an admin key"), "\(result.stderr)")
        #expect(!result.stderr.contains("refuse-me"))
    }
}
