import GRDB
import GRDBSQLite

/// A statement GRDB prepared (and caches), bound and stepped through SQLite's C API.
///
/// For the group commit's per-record INSERT only: GRDB's `execute(arguments:)` boxes every value
/// in a `DatabaseValue` inside a `StatementArguments` array and checks it against the statement,
/// which cost about a third of an append. Here each value goes straight to `sqlite3_bind_*`.
/// Values are copied by SQLite (`SQLITE_TRANSIENT`), so nothing has to outlive a call.
struct BoundStatement {
    private let handle: SQLiteStatement
    /// The first binding that failed, kept so that ``execute()`` reports it.
    private var failure: Int32 = SQLITE_OK

    init(_ statement: Statement) {
        handle = statement.sqliteStatement
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK, failure == SQLITE_OK { failure = code }
    }

    mutating func bind(_ index: Int32, _ value: Int64?) {
        guard let value else { return check(sqlite3_bind_null(handle, index)) }
        check(sqlite3_bind_int64(handle, index, value))
    }

    mutating func bind(_ index: Int32, _ value: Int?) {
        bind(index, value.map(Int64.init))
    }

    mutating func bind(_ index: Int32, _ value: String?) {
        guard var value else { return check(sqlite3_bind_null(handle, index)) }
        check(value.withUTF8 { bindText($0, at: index) })
    }

    /// UTF-8 bytes bound as TEXT.
    mutating func bind(_ index: Int32, utf8 bytes: [UInt8]) {
        check(bytes.withUnsafeBufferPointer { bindText($0, at: index) })
    }

    private func bindText(_ text: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        guard let base = text.baseAddress, text.count > 0 else { return sqlite3_bind_text(handle, index, "", 0, Self.transient) }
        return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: text.count) { characters in
            sqlite3_bind_text(handle, index, characters, Int32(text.count), Self.transient)
        }
    }

    /// Runs the statement to completion and resets it for the next use.
    /// - Throws: ``StoreError/database(_:)`` with SQLite's message (never the bound values).
    mutating func execute() throws {
        defer {
            sqlite3_reset(handle)
            failure = SQLITE_OK
        }
        guard failure == SQLITE_OK else { throw StoreError.database("SQLite error \(failure) binding a value: \(message(failure))") }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw StoreError.database("SQLite error \(code): \(message(code))") }
    }

    private func message(_ code: Int32) -> String {
        if let db = sqlite3_db_handle(handle), let text = sqlite3_errmsg(db) { return String(cString: text) }
        return String(cString: sqlite3_errstr(code))
    }
}
