import Foundation
import Logging

@testable import AjarStore

/// The PostgreSQL server the Postgres half of the suite runs against.
///
/// Uses `AJAR_TEST_POSTGRES_URL` when set. Otherwise it runs `scripts/postgres-harness.sh start`
/// once per test process, passing this process's pid so the harness stops the server and
/// deletes its directory when the tests exit. Each test gets its own fresh database.
actor PostgresTestServer {
    static let shared = PostgresTestServer()

    private var baseURL: Task<String, any Error>?
    private var counter = 0

    /// A URL of a new, empty database on the test server.
    func freshDatabaseURL() async throws -> String {
        let base = try await url()
        counter += 1
        let name = "ajar_t\(getpid())_\(counter)_\(Int.random(in: 0..<1_000_000))"
        try await PostgresStore.withStore(url: base, maximumConnections: 1, logger: StoreBackend.logger) { admin in
            try await admin.execute(rawSQL: "CREATE DATABASE \(name)")
        }
        guard var components = URLComponents(string: base) else { throw HarnessError("bad base URL") }
        components.path = "/\(name)"
        guard let url = components.string else { throw HarnessError("cannot build a database URL") }
        return url
    }

    private func url() async throws -> String {
        if let baseURL { return try await baseURL.value }
        let task = Task { try PostgresTestServer.start() }
        baseURL = task
        return try await task.value
    }

    private static func start() throws -> String {
        if let url = ProcessInfo.processInfo.environment["AJAR_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres-harness.sh")
        // popen/pclose, not Foundation's Process: with Process this start never returned in a test run
        // on Linux (not yet understood), while the same script returned at once from a shell.
        let command = "AJAR_PG_OWNER_PID=\(getpid()) /bin/bash '\(script.path)' start"
        guard let pipe = popen(command, "r") else { throw HarnessError("cannot run \(script.path)") }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output.append(contentsOf: buffer[0..<count])
        }
        let status = pclose(pipe)
        let url = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, url.hasPrefix("postgres://") else {
            throw HarnessError("scripts/postgres-harness.sh start failed (status \(status))")
        }
        return url
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
