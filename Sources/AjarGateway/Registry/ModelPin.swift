import Crypto
import Foundation
import Synchronization

/// A local model file pinned by content hash (`provenance.sha256` of its alias in `ajar.yaml`).
///
/// The hash is checked when the model loads. While the server runs, every request makes a cheap
/// check — the file's size and modification time, one `stat` — and only when they changed is the
/// file hashed again. A file whose hash no longer matches is refused, that model alone, until it
/// is registered again (the config's hash updated and the server restarted); a file changed back
/// to the pinned content is accepted again.
package final class ModelPin: Sendable {
    package let path: String
    /// Lower-case hex SHA-256 the file must have.
    package let expected: String
    private struct Seen {
        var size: Int64
        var modified: Double
        var actual: String
    }
    private let seen = Mutex<Seen?>(nil)

    package init(path: String, sha256: String) {
        self.path = path
        self.expected = sha256.lowercased()
    }

    /// `nil` if the file has the pinned content, else why not (for logs and error messages).
    package func check() -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.int64Value,
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970
        else {
            return "its file \(path) cannot be read"
        }
        if let known = seen.withLock({ $0 }), known.size == size, known.modified == modified {
            return verdict(known.actual)
        }
        guard let actual = try? Self.sha256(path: path) else { return "its file \(path) cannot be read" }
        seen.withLock { $0 = Seen(size: size, modified: modified, actual: actual) }
        return verdict(actual)
    }

    private func verdict(_ actual: String) -> String? {
        actual == expected
            ? nil
            : "its file \(path) does not match the pinned SHA-256 (expected \(expected), found \(actual)); re-register the model"
    }

    /// The SHA-256 of a file, read in 4 MiB pieces, as lower-case hex.
    /// - Parameter progress: Called with the bytes hashed so far after each piece.
    package static func sha256(path: String, progress: ((Int64) -> Void)? = nil) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hasher = SHA256()
        var done: Int64 = 0
        while let piece = try handle.read(upToCount: 4 << 20), !piece.isEmpty {
            hasher.update(data: piece)
            done += Int64(piece.count)
            progress?(done)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
