import Foundation
import Logging

/// A throwaway ``SQLiteStore`` in a fresh temporary directory, for tests of code that needs a store.
///
/// ```swift
/// try await TemporaryStore.with { store in … }
/// ```
package enum TemporaryStore {
    /// Makes a store in a new temporary directory; delete ``directory`` when done (or use ``with(logger:_:)``).
    /// - Parameter serving: open it as the serving process does (budgets and rate limits in memory).
    package static func make(logger: Logger = Logger(label: "ajar.store.test"), serving: Bool = false) throws -> (
        store: SQLiteStore, directory: URL
    ) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ajar-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("ajar.db").path, serving: serving, logger: logger)
        return (store, directory)
    }

    /// Runs `body` with a fresh store, then closes it and deletes its directory.
    package static func with<Result>(
        logger: Logger = Logger(label: "ajar.store.test"), serving: Bool = false, _ body: (SQLiteStore) async throws -> Result
    ) async throws -> Result {
        let (store, directory) = try make(logger: logger, serving: serving)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}
