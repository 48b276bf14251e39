// Port of llama.cpp src/llama-vocab.cpp `llm_tokenizer_spm_session` (originally llama.cpp commit 074bea2,
// itself after SentencePiece's BPE model): start from single UTF-8 characters, repeatedly merge the
// neighbouring pair whose concatenation is the vocabulary entry with the highest score (leftmost on
// ties), then emit each symbol's token, or its bytes as `<0xXX>` tokens when it is not in the vocabulary.
// llama.cpp's `resegment` also consults a reverse-merge map; it can only matter for a symbol that was
// merged, and a merged symbol is always a vocabulary entry, so it is not needed here.

/// SentencePiece-style BPE over text whose spaces are already `▁`.
struct SentencePieceEncoder: Sendable {
    /// Text → id of every vocabulary entry (by exact bytes).
    let tokenIDs: TokenTable
    /// [vocab] each token's score; higher merges first.
    let scores: [Float]
    /// [256] the token for each byte: `<0xXX>`, else the one-byte text, else the unknown token, else nil.
    let byteTokens: [Int32?]

    /// - Parameters:
    ///   - tokenIDs: text → id of every vocabulary entry.
    ///   - scores: [vocab] token scores.
    ///   - unknownID: emitted for a byte that has no token at all (llama.cpp would throw).
    init(tokenIDs: TokenTable, scores: [Float], unknownID: Int32?) {
        self.tokenIDs = tokenIDs
        self.scores = scores
        var bytes = [Int32?](repeating: nil, count: 256)
        let hex = Array("0123456789ABCDEF")
        for byte in 0..<256 {
            let name = "<0x\(hex[byte >> 4])\(hex[byte & 15])>"
            if let id = tokenIDs[name] {
                bytes[byte] = id
            } else if let id = tokenIDs[[UInt8(byte)]] {
                bytes[byte] = id
            } else {
                bytes[byte] = unknownID
            }
        }
        self.byteTokens = bytes
    }

    /// Appends the tokens of `text`.
    /// - Parameters:
    ///   - text: UTF-8 bytes, spaces already escaped to `▁`.
    ///   - output: where the token ids go.
    func encode(_ text: [UInt8], into output: inout [Int32]) {
        guard !text.isEmpty else { return }
        // Symbols: one per UTF-8 character (llama.cpp `unicode_len_utf8` on the lead byte).
        var start: [Int] = []
        var length: [Int] = []
        var prev: [Int] = []
        var next: [Int] = []
        var offset = 0
        while offset < text.count {
            let count = min(Self.utf8Length(leadByte: text[offset]), text.count - offset)
            prev.append(start.count - 1)
            start.append(offset)
            length.append(count)
            offset += count
            next.append(offset == text.count ? -1 : start.count)
        }

        var queue = MinHeap<Bigram>()
        func tryAddBigram(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let size = length[left] + length[right]
            guard let id = tokenIDs[text[start[left]..<(start[left] + size)]], Int(id) < scores.count else { return }
            queue.push(Bigram(score: scores[Int(id)], left: left, right: right, size: size))
        }

        for i in 1..<start.count {
            tryAddBigram(i - 1, i)
        }
        while let bigram = queue.pop() {
            let left = bigram.left
            let right = bigram.right
            // Skip a bigram whose symbols changed since it was queued.
            guard length[left] != 0, length[right] != 0, length[left] + length[right] == bigram.size else { continue }
            length[left] += length[right]
            length[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { prev[next[right]] = left }
            tryAddBigram(prev[left], left)
            tryAddBigram(left, next[left])
        }

        var index = 0
        while index >= 0 {
            let bytes = text[start[index]..<(start[index] + length[index])]
            if let id = tokenIDs[bytes] {
                output.append(id)
            } else {
                for byte in bytes {
                    if let id = byteTokens[Int(byte)] { output.append(id) }
                }
            }
            index = next[index]
        }
    }

    /// llama.cpp `unicode_len_utf8`: the sequence length a lead byte announces (1 for stray bytes).
    static func utf8Length(leadByte: UInt8) -> Int {
        switch leadByte >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    /// A candidate merge; the queue pops the highest score first, then the leftmost.
    struct Bigram: Comparable {
        var score: Float
        var left: Int
        var right: Int
        var size: Int

        /// "Smaller" means "pops first" for `MinHeap`.
        static func < (a: Bigram, b: Bigram) -> Bool {
            a.score != b.score ? a.score > b.score : a.left < b.left
        }

        static func == (a: Bigram, b: Bigram) -> Bool { a.score == b.score && a.left == b.left }
    }
}
