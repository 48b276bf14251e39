/// Vocabulary text → token id, compared by exact UTF-8 bytes as llama.cpp compares them.
///
/// Swift `String` keys would be wrong here: `String` equality treats canonically equivalent spellings
/// (`é` and `e` + U+0301) as one key, which would merge distinct SentencePiece tokens and change ids.
/// It is also slow to hash. This is an open-addressing table over one byte arena, built once at load and
/// read without allocating; each slot carries the key's position, length, a hash tag and the id, so a
/// lookup touches one slot and, on a tag match, the key's bytes.
struct TokenTable: Sendable {
    /// One slot: 12 bytes. `tag == 0` marks an empty slot.
    private struct Slot: Sendable {
        var start: UInt32 = 0
        var length: UInt16 = 0
        var tag: UInt16 = 0
        var id: Int32 = 0
    }

    /// All keys' bytes back to back.
    private var arena: [UInt8] = []
    /// Per entry, in insertion order: where its bytes start in `arena` (they end where the next begin).
    private var entryStarts: [UInt32] = []
    private var entryIDs: [Int32] = []
    /// [power of two] at most half full.
    private var slots = [Slot](repeating: Slot(), count: 16)
    /// The number of entries.
    private(set) var count = 0

    init() {}

    mutating func reserveCapacity(_ capacity: Int) {
        arena.reserveCapacity(capacity * 8)
        entryStarts.reserveCapacity(capacity + 1)
        entryIDs.reserveCapacity(capacity)
        if slots.count < capacity * 2 { rehash(slotCount: Self.slotCount(for: capacity)) }
    }

    /// Adds an entry. Keys longer than 65,535 bytes are not stored (no vocabulary has such tokens).
    /// - Returns: the id already stored for these bytes, if any (then nothing is added).
    @discardableResult
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, id: Int32) -> Int32? {
        guard bytes.count <= Int(UInt16.max) else { return nil }
        let hash = Self.hash(bytes)
        let (slot, existing) = find(bytes, hash: hash)
        if let existing { return existing }
        slots[slot] = Slot(start: UInt32(arena.count), length: UInt16(bytes.count), tag: Self.tag(hash), id: id)
        entryStarts.append(UInt32(arena.count))
        entryIDs.append(id)
        arena.append(contentsOf: bytes)
        count += 1
        if count * 2 > slots.count { rehash(slotCount: slots.count * 2) }
        return nil
    }

    /// Adds an entry for a string's UTF-8.
    /// - Returns: the id already stored for these bytes, if any (then nothing is added).
    @discardableResult
    mutating func insert(_ text: String, id: Int32) -> Int32? {
        var text = text
        return text.withUTF8 { insert($0, id: id) }
    }

    /// The id stored for exactly these bytes.
    func id(for bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        find(bytes, hash: Self.hash(bytes)).id
    }

    /// The id of the `entry`-th inserted key if that key is exactly `bytes`: a lookup without hashing
    /// when the caller can guess the entry (BPE merges usually produce tokens in id order).
    func id(ofEntry entry: Int, ifEqualTo bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard entry >= 0, entry < entryIDs.count else { return nil }
        let start = Int(entryStarts[entry])
        let end = entry + 1 < entryStarts.count ? Int(entryStarts[entry + 1]) : arena.count
        guard end - start == bytes.count else { return nil }
        let equal = arena.withUnsafeBufferPointer { arena in
            bytes.count == 0 || memoryEqual(arena.baseAddress.map { $0 + start }, bytes.baseAddress, bytes.count)
        }
        return equal ? entryIDs[entry] : nil
    }

    subscript(bytes: ArraySlice<UInt8>) -> Int32? {
        bytes.withUnsafeBufferPointer { id(for: $0) }
    }

    subscript(text: String) -> Int32? {
        var text = text
        return text.withUTF8 { id(for: $0) }
    }

    // MARK: - Hashing

    /// The slot holding `bytes` (and its id), or the empty slot where they would go.
    private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (slot: Int, id: Int32?) {
        let tag = Self.tag(hash)
        let length = bytes.count
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                let mask = slots.count - 1
                var index = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = slots[index]
                    if slot.tag == 0 { return (index, nil) }
                    if slot.tag == tag && Int(slot.length) == length {
                        let start = Int(slot.start)
                        // start + length <= arena.count: insert stores the slot with its bytes
                        if length == 0
                            || memoryEqual(arena.baseAddress.map { $0 + start }, bytes.baseAddress, length)
                        {
                            return (index, slot.id)
                        }
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    private mutating func rehash(slotCount: Int) {
        var fresh = [Slot](repeating: Slot(), count: slotCount)
        let mask = slotCount - 1
        arena.withUnsafeBufferPointer { arena in
            for slot in slots where slot.tag != 0 {
                let start = Int(slot.start)
                let bytes = UnsafeBufferPointer(rebasing: arena[start..<(start + Int(slot.length))])
                var index = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
                while fresh[index].tag != 0 { index = (index + 1) & mask }
                fresh[index] = slot
            }
        }
        slots = fresh
    }

    private static func slotCount(for capacity: Int) -> Int {
        var count = 16
        while count < capacity * 2 { count *= 2 }
        return count
    }

    /// A non-zero 16-bit tag from the hash's high bits (the low bits choose the slot).
    private static func tag(_ hash: UInt64) -> UInt16 {
        UInt16(truncatingIfNeeded: hash >> 48) | 1
    }

    /// FNV-1a, 64-bit, then splitmix64's finaliser so the low bits (the slot) depend on every byte.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }

    /// splitmix64's finaliser.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Whether `count` bytes at `a` and `b` are equal (nil pointers only with `count == 0`).
private func memoryEqual(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
    guard let a, let b else { return count == 0 }
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
