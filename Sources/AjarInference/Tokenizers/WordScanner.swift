// Port of llama.cpp src/unicode.cpp: `unicode_regex_split_custom_gpt2`, `unicode_regex_split_custom_llama3`
// and `unicode_regex_split_custom_qwen2` (one function here, `maxDigits` 3 or 1), plus the simple
// `std::regex` passes (`\p{N}`, `\p{N}+`, `[…]+`, `[0-9][0-9][0-9]`) that llama.cpp runs on its
// collapsed text. The branch order and the quirks (e.g. which flags a condition reads) are kept,
// because token ids must equal llama.cpp's.

/// Hand-written matchers for the pre-tokenizer regexes. Each splits the piece `start..<end` of the
/// code points and appends the end offset of every word it finds; positions outside the piece read as
/// "no code point", exactly as llama.cpp's `_get_cpt`/`_get_flags` do.
struct WordScanner {
    /// The fragment's code points.
    let codepoints: [UInt32]
    /// [codepoints.count] llama.cpp's flags of each code point.
    let flags: [CodepointFlags]

    private static let outOfRange: UInt32 = 0xFFFF_FFFF
    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20
    private static let carriageReturn: UInt32 = 0x0D
    private static let lineFeed: UInt32 = 0x0A

    // MARK: - GPT-2

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    func splitGPT2(from start: Int, to end: Int, into ends: inout [Int]) {
        var cursor = Cursor(scanner: self, start: start, end: end)
        var pos = start
        while pos < end {
            let cpt = cursor.codepoint(pos)
            let flags = cursor.flags(pos)

            // 's|'t|'re|'ve|'m|'ll|'d (case-sensitive)
            if cpt == Self.apostrophe && pos + 1 < end {
                let next = cursor.codepoint(pos + 1)
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {  // s t m d
                    pos += cursor.addWord(pos + 2, &ends)
                    continue
                }
                if pos + 2 < end, Self.isTwoLetterContraction(next, cursor.codepoint(pos + 2)) {
                    pos += cursor.addWord(pos + 3, &ends)
                    continue
                }
            }

            var flags2 = cpt == Self.space ? cursor.flags(pos + 1) : flags
            // <space>?\p{L}+
            if flags2.isLetter {
                if cpt == Self.space { pos += 1 }
                while flags2.isLetter {
                    pos += 1
                    flags2 = cursor.flags(pos)
                }
                cursor.addWord(pos, &ends)
                continue
            }
            // <space>?\p{N}+
            if flags2.isNumber {
                if cpt == Self.space { pos += 1 }
                while flags2.isNumber {
                    pos += 1
                    flags2 = cursor.flags(pos)
                }
                cursor.addWord(pos, &ends)
                continue
            }
            // <space>?[^\s\p{L}\p{N}]+
            if Self.isOther(flags2) {
                if cpt == Self.space { pos += 1 }
                while Self.isOther(flags2) {
                    pos += 1
                    flags2 = cursor.flags(pos)
                }
                cursor.addWord(pos, &ends)
                continue
            }

            var whitespaceCount = 0
            while cursor.flags(pos + whitespaceCount).isWhitespace {
                whitespaceCount += 1
            }
            // \s+(?!\S)
            if whitespaceCount > 1 && cursor.codepoint(pos + whitespaceCount) != Self.outOfRange {
                pos += whitespaceCount - 1
                cursor.addWord(pos, &ends)
                continue
            }
            // \s+
            if whitespaceCount > 0 {
                pos += whitespaceCount
                cursor.addWord(pos, &ends)
                continue
            }
            // no match
            pos += 1
            cursor.addWord(pos, &ends)
        }
    }

    // MARK: - Llama 3 / Qwen2

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}|`
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    /// - Parameter maxDigits: 3 for Llama 3, 1 for Qwen2.
    func splitLlama3(from start: Int, to end: Int, into ends: inout [Int], maxDigits: Int) {
        var cursor = Cursor(scanner: self, start: start, end: end)
        var pos = start
        while pos < end {
            let cpt = cursor.codepoint(pos)
            let flags = cursor.flags(pos)

            // (?i:'s|'t|'re|'ve|'m|'ll|'d). llama.cpp lowercases with its own table; no non-ASCII code
            // point lowercases to one of these letters, so ASCII lowercasing is the same.
            if cpt == Self.apostrophe && pos + 1 < end {
                let next = Self.asciiLowercased(cursor.codepoint(pos + 1))
                if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {
                    pos += cursor.addWord(pos + 2, &ends)
                    continue
                }
                if pos + 2 < end,
                    Self.isTwoLetterContraction(next, Self.asciiLowercased(cursor.codepoint(pos + 2)))
                {
                    pos += cursor.addWord(pos + 3, &ends)
                    continue
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(cpt == Self.carriageReturn || cpt == Self.lineFeed || flags.isNumber) {
                if flags.isLetter || cursor.flags(pos + 1).isLetter {
                    pos += 1
                    while cursor.flags(pos).isLetter {
                        pos += 1
                    }
                    cursor.addWord(pos, &ends)
                    continue
                }
            }

            // \p{N}{1,3} or \p{N}
            if flags.isNumber {
                if maxDigits == 1 {
                    pos += 1
                    cursor.addWord(pos, &ends)
                    continue
                }
                var first = pos
                while cursor.flags(pos).isNumber {
                    pos += 1
                    if pos - first >= maxDigits {
                        cursor.addWord(pos, &ends)
                        first = pos
                    }
                }
                cursor.addWord(pos, &ends)
                continue
            }

            // <space>?[^\s\p{L}\p{N}]+[\r\n]*  (llama.cpp tests `flags`, not `flags2`, for "defined")
            var flags2 = cpt == Self.space ? cursor.flags(pos + 1) : flags
            if !(flags2.isWhitespace || flags2.isLetter || flags2.isNumber) && flags.isDefined {
                if cpt == Self.space { pos += 1 }
                while Self.isOther(flags2) {
                    pos += 1
                    flags2 = cursor.flags(pos)
                }
                var cpt2 = cursor.codepoint(pos)
                while cpt2 == Self.carriageReturn || cpt2 == Self.lineFeed {
                    pos += 1
                    cpt2 = cursor.codepoint(pos)
                }
                cursor.addWord(pos, &ends)
                continue
            }

            var whitespaceCount = 0
            var lastLineBreakEnd = 0
            while cursor.flags(pos + whitespaceCount).isWhitespace {
                let cpt2 = cursor.codepoint(pos + whitespaceCount)
                if cpt2 == Self.carriageReturn || cpt2 == Self.lineFeed {
                    lastLineBreakEnd = pos + whitespaceCount + 1
                }
                whitespaceCount += 1
            }
            // \s*[\r\n]+
            if lastLineBreakEnd > 0 {
                pos = lastLineBreakEnd
                cursor.addWord(pos, &ends)
                continue
            }
            // \s+(?!\S)
            if whitespaceCount > 1 && cursor.codepoint(pos + whitespaceCount) != Self.outOfRange {
                pos += whitespaceCount - 1
                cursor.addWord(pos, &ends)
                continue
            }
            // \s+
            if whitespaceCount > 0 {
                pos += whitespaceCount
                cursor.addWord(pos, &ends)
                continue
            }
            // no match
            pos += 1
            cursor.addWord(pos, &ends)
        }
    }

    // MARK: - Simple std::regex passes

    /// A `[class]+` regex: maximal runs of matching code points are words, and so is the text between them.
    func splitRuns(
        from start: Int, to end: Int, into ends: inout [Int], where matches: (UInt32, CodepointFlags) -> Bool
    ) {
        var pos = start
        while pos < end {
            let matching = matches(codepoints[pos], flags[pos])
            pos += 1
            while pos < end && matches(codepoints[pos], flags[pos]) == matching {
                pos += 1
            }
            ends.append(pos)
        }
    }

    /// A `[class]` regex: every matching code point is a word, and so is each run between them.
    func splitEach(
        from start: Int, to end: Int, into ends: inout [Int], where matches: (UInt32, CodepointFlags) -> Bool
    ) {
        var pos = start
        while pos < end {
            if matches(codepoints[pos], flags[pos]) {
                pos += 1
            } else {
                pos += 1
                while pos < end && !matches(codepoints[pos], flags[pos]) {
                    pos += 1
                }
            }
            ends.append(pos)
        }
    }

    /// `[0-9][0-9][0-9]`: left-to-right triples of ASCII digits are words, and so is the text between them.
    func splitDigitTriples(from start: Int, to end: Int, into ends: inout [Int]) {
        func isDigit(_ p: Int) -> Bool { p < end && (0x30...0x39).contains(codepoints[p]) }
        var pos = start
        var gapStart = start
        while pos < end {
            if isDigit(pos) && isDigit(pos + 1) && isDigit(pos + 2) {
                if gapStart < pos { ends.append(pos) }
                pos += 3
                ends.append(pos)
                gapStart = pos
            } else {
                pos += 1
            }
        }
        if gapStart < end { ends.append(end) }
    }

    // MARK: - Helpers

    /// `[^\s\p{L}\p{N}]` for a position inside the piece.
    private static func isOther(_ flags: CodepointFlags) -> Bool {
        !(flags.isWhitespace || flags.isLetter || flags.isNumber) && flags.isDefined
    }

    /// `re`, `ve` or `ll` after an apostrophe.
    private static func isTwoLetterContraction(_ first: UInt32, _ second: UInt32) -> Bool {
        (first == 0x72 && second == 0x65) || (first == 0x76 && second == 0x65) || (first == 0x6C && second == 0x6C)
    }

    private static func asciiLowercased(_ codepoint: UInt32) -> UInt32 {
        (0x41...0x5A).contains(codepoint) ? codepoint + 0x20 : codepoint
    }

    /// llama.cpp's `_get_cpt`, `_get_flags` and `_add_token` for one piece.
    private struct Cursor {
        let scanner: WordScanner
        let start: Int
        let end: Int
        /// Where the previous word ended.
        var previousEnd: Int

        init(scanner: WordScanner, start: Int, end: Int) {
            self.scanner = scanner
            self.start = start
            self.end = end
            self.previousEnd = start
        }

        func codepoint(_ pos: Int) -> UInt32 {
            pos >= start && pos < end ? scanner.codepoints[pos] : WordScanner.outOfRange
        }

        func flags(_ pos: Int) -> CodepointFlags {
            pos >= start && pos < end ? scanner.flags[pos] : CodepointFlags()
        }

        /// Ends a word at `wordEnd` (nothing if it would be empty).
        /// - Returns: the word's length in code points.
        @discardableResult
        mutating func addWord(_ wordEnd: Int, _ ends: inout [Int]) -> Int {
            let length = wordEnd - previousEnd
            if length > 0 { ends.append(wordEnd) }
            previousEnd = wordEnd
            return length
        }
    }
}
