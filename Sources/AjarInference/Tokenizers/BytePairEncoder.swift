// Port of llama.cpp src/llama-vocab.cpp `llm_tokenizer_bpe_session::tokenize` (merge loop with a
// priority queue ordered by merge rank, then by position) and the merge table built in
// `llama_vocab::impl::load`. llama.cpp keys merges by string pairs; here every string that can be a
// symbol (vocabulary entries, merge halves and their concatenations) gets an integer id once at load,
// so encoding hashes integers only. Two symbols with equal ids have equal text, so the ids decide the
// same merges and the same staleness checks as llama.cpp's string comparisons.

/// Byte-level BPE over one pre-tokenized word at a time, merges applied lowest rank first.
struct BytePairEncoder: Sendable {
    /// Ids below this are vocabulary tokens; ids at or above are strings that are not tokens.
    let vocabularySize: Int32
    /// [256] the symbol id of each single byte (its one-character spelling in the byte-level alphabet).
    let byteSymbols: [Int32]
    /// Symbol-id pairs → rank and merged symbol.
    let merges: MergeTable
    /// Emit a word that is a whole vocabulary entry without merging (llama.cpp `ignore_merges`).
    let ignoresMerges: Bool
    /// Text → id of every vocabulary entry (byte-level spelling), for `ignoresMerges`.
    let tokenIDs: TokenTable

    /// - Parameters:
    ///   - tokenIDs: text → id of every vocabulary entry.
    ///   - vocabularySize: the number of tokens.
    ///   - merges: `tokenizer.ggml.merges`, rank = index; a later duplicate pair keeps the first rank.
    ///   - ignoresMerges: llama.cpp `ignore_merges` for this pre-tokenizer.
    init(tokenIDs: TokenTable, vocabularySize: Int32, merges: [String], ignoresMerges: Bool) {
        var interned = TokenTable()
        var nextID = vocabularySize
        func symbolID(_ text: UnsafeBufferPointer<UInt8>) -> Int32 {
            if let id = tokenIDs.id(for: text) ?? interned.id(for: text) { return id }
            let id = nextID
            interned.insert(text, id: id)
            nextID += 1
            return id
        }

        var table = MergeTable(capacity: merges.count)
        var joined = [UInt8]()
        var previousMerged: Int32 = -1
        for (rank, merge) in merges.enumerated() {
            var merge = merge
            merge.withUTF8 { utf8 in
                // llama.cpp splits at the first space after the first byte (`word.find(' ', 1)`).
                guard utf8.count > 2, let space = utf8[1...].firstIndex(of: UInt8(ascii: " ")),
                    space + 1 < utf8.count
                else { return }
                let left = symbolID(UnsafeBufferPointer(rebasing: utf8[..<space]))
                let right = symbolID(UnsafeBufferPointer(rebasing: utf8[(space + 1)...]))
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: utf8[..<space])
                joined.append(contentsOf: utf8[(space + 1)...])
                // Merges usually create tokens in id order: try the next id before hashing.
                let merged = joined.withUnsafeBufferPointer { bytes in
                    tokenIDs.id(ofEntry: Int(previousMerged) + 1, ifEqualTo: bytes) ?? symbolID(bytes)
                }
                previousMerged = merged
                table.insertIfAbsent(left: left, right: right, rank: Int32(truncatingIfNeeded: rank), merged: merged)
            }
        }

        var bytes = [Int32](repeating: 0, count: 256)
        for byte in 0..<256 {
            var spelling = ByteLevelEncoding.encode([UInt8(byte)])
            bytes[byte] = spelling.withUTF8 { symbolID($0) }
        }

        self.vocabularySize = vocabularySize
        self.byteSymbols = bytes
        self.merges = table
        self.ignoresMerges = ignoresMerges
        self.tokenIDs = ignoresMerges ? tokenIDs : TokenTable()
    }

    /// Appends the tokens of one word.
    /// - Parameters:
    ///   - word: the word's UTF-8 bytes.
    ///   - workspace: scratch buffers reused across words.
    ///   - output: where the token ids go. A symbol that is not a token falls back to its bytes' tokens;
    ///     a byte without a token is dropped, as in llama.cpp.
    func encode(_ word: ArraySlice<UInt8>, workspace: inout Workspace, into output: inout [Int32]) {
        guard !word.isEmpty else { return }
        if ignoresMerges, let id = tokenIDs[ByteLevelEncoding.encode(word)] {
            output.append(id)
            return
        }
        workspace.reset(word: word, byteSymbols: byteSymbols)
        for i in 1..<word.count {
            addBigram(left: i - 1, right: i, workspace: &workspace)
        }
        while let bigram = workspace.queue.pop() {
            let left = Int(bigram.left)
            let right = Int(bigram.right)
            // Skip a bigram whose symbols changed since it was queued.
            guard workspace.length[left] != 0, workspace.length[right] != 0,
                workspace.id[left] == bigram.leftID, workspace.id[right] == bigram.rightID
            else { continue }
            workspace.length[left] += workspace.length[right]
            workspace.length[right] = 0
            workspace.id[left] = bigram.merged
            let next = workspace.next[right]
            workspace.next[left] = next
            if next >= 0 { workspace.prev[Int(next)] = Int32(left) }
            let prev = workspace.prev[left]
            if prev >= 0 { addBigram(left: Int(prev), right: left, workspace: &workspace) }
            if next >= 0 { addBigram(left: left, right: Int(next), workspace: &workspace) }
        }

        var index = 0
        while index >= 0 {
            let id = workspace.id[index]
            if id < vocabularySize {
                output.append(id)
            } else {
                let start = word.startIndex + Int(workspace.start[index])
                for byte in word[start..<(start + Int(workspace.length[index]))] {
                    let byteID = byteSymbols[Int(byte)]
                    if byteID < vocabularySize { output.append(byteID) }
                }
            }
            index = Int(workspace.next[index])
        }
    }

    private func addBigram(left: Int, right: Int, workspace: inout Workspace) {
        let leftID = workspace.id[left]
        let rightID = workspace.id[right]
        guard let merge = merges.merge(leftID, rightID) else { return }
        workspace.queue.push(
            Bigram(
                rank: merge.rank, left: Int32(left), right: Int32(right), leftID: leftID, rightID: rightID,
                merged: merge.merged))
    }

    /// A candidate merge of two neighbouring symbols.
    struct Bigram: Comparable {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftID: Int32
        var rightID: Int32
        var merged: Int32

        /// llama.cpp's order: lower rank first, then the leftmost.
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.left < b.left
        }

        static func == (a: Bigram, b: Bigram) -> Bool { a.rank == b.rank && a.left == b.left }
    }

    /// Symbol storage (a doubly linked list in arrays) and the queue, reused across words.
    struct Workspace {
        /// Per symbol: byte offset in the word, length in bytes (0 once merged away), symbol id, links.
        var start: [Int32] = []
        var length: [Int32] = []
        var id: [Int32] = []
        var prev: [Int32] = []
        var next: [Int32] = []
        var queue = MinHeap<Bigram>()

        init() {}

        /// One symbol per byte of `word`.
        mutating func reset(word: ArraySlice<UInt8>, byteSymbols: [Int32]) {
            let count = word.count
            start.removeAll(keepingCapacity: true)
            length.removeAll(keepingCapacity: true)
            id.removeAll(keepingCapacity: true)
            prev.removeAll(keepingCapacity: true)
            next.removeAll(keepingCapacity: true)
            queue.removeAll()
            var i: Int32 = 0
            for byte in word {
                start.append(i)
                length.append(1)
                id.append(byteSymbols[Int(byte)])
                prev.append(i - 1)
                next.append(Int(i) + 1 < count ? i + 1 : -1)
                i += 1
            }
        }
    }
}
