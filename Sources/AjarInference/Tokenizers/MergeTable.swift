/// The BPE merge table: a pair of symbol ids → the merge's rank and the merged symbol's id.
///
/// An open-addressing table with integer keys (Swift's `Dictionary` hashes with SipHash, which costs more
/// than the rest of a merge step). Each slot keeps its key and value side by side, so a probe touches one
/// cache line.
struct MergeTable: Sendable {
    /// A merge found in the table.
    struct Merge: Equatable {
        var rank: Int32
        var merged: Int32
    }

    private static let empty = UInt64.max
    /// [2 × power of two] per slot: `left << 32 | right` (or `empty`), then `rank << 32 | merged`.
    private var storage: [UInt64]
    private var slotCount: Int
    private(set) var count = 0

    /// - Parameter capacity: the number of merges expected (the table stays at most half full).
    init(capacity: Int = 0) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slotCount = size
        storage = [UInt64](repeating: Self.empty, count: size * 2)
    }

    /// Stores a merge unless the pair is already present (the first, lowest rank wins, as in llama.cpp).
    mutating func insertIfAbsent(left: Int32, right: Int32, rank: Int32, merged: Int32) {
        let key = Self.key(left, right)
        let value = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
        let inserted = storage.withUnsafeMutableBufferPointer { storage in
            Self.insert(key, value, into: storage, mask: slotCount - 1)
        }
        guard inserted else { return }
        count += 1
        if count * 2 > slotCount { grow() }
    }

    /// The merge of `left` followed by `right`, if any.
    func merge(_ left: Int32, _ right: Int32) -> Merge? {
        let key = Self.key(left, right)
        let mask = slotCount - 1
        return storage.withUnsafeBufferPointer { storage in
            var slot = Self.slot(key, mask)
            while true {
                let stored = storage[2 * slot]
                if stored == key {
                    let value = storage[2 * slot + 1]
                    return Merge(
                        rank: Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32)),
                        merged: Int32(bitPattern: UInt32(truncatingIfNeeded: value)))
                }
                if stored == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Keys never equal `empty`: symbol ids are non-negative `Int32`s, so the high half is below 2³¹.
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: TokenTable.mix(key)) & mask
    }

    /// - Returns: false if the key was already present.
    private static func insert(
        _ key: UInt64, _ value: UInt64, into storage: UnsafeMutableBufferPointer<UInt64>, mask: Int
    )
        -> Bool
    {
        var slot = slot(key, mask)
        while storage[2 * slot] != empty {
            if storage[2 * slot] == key { return false }
            slot = (slot + 1) & mask
        }
        storage[2 * slot] = key
        storage[2 * slot + 1] = value
        return true
    }

    private mutating func grow() {
        let old = storage
        slotCount *= 2
        storage = [UInt64](repeating: Self.empty, count: slotCount * 2)
        let mask = slotCount - 1
        storage.withUnsafeMutableBufferPointer { storage in
            for slot in 0..<(old.count / 2) where old[2 * slot] != Self.empty {
                _ = Self.insert(old[2 * slot], old[2 * slot + 1], into: storage, mask: mask)
            }
        }
    }
}
