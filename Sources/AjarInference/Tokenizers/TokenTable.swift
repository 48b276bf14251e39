/// Vocabulary text → token id, compared by exact UTF-8 bytes as llama.cpp compares them. Swift `String`
/// equality would treat canonically equivalent spellings (`é` and `e` + U+0301) as one key, which would
/// merge distinct SentencePiece tokens and change token ids.
struct TokenTable: Sendable {
    private var ids: [ArraySlice<UInt8>: Int32] = [:]

    init() {}

    var count: Int { ids.count }

    mutating func reserveCapacity(_ capacity: Int) { ids.reserveCapacity(capacity) }

    /// Adds an entry.
    /// - Returns: the id already stored for these bytes, if any (the new one then replaces it).
    @discardableResult
    mutating func insert(_ bytes: ArraySlice<UInt8>, id: Int32) -> Int32? {
        ids.updateValue(id, forKey: bytes)
    }

    subscript(bytes: ArraySlice<UInt8>) -> Int32? { ids[bytes] }

    subscript(text: String) -> Int32? { ids[ArraySlice(text.utf8)] }
}
