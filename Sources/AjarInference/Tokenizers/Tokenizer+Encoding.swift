// Port of llama.cpp src/llama-vocab.cpp `llama_vocab::impl::tokenize` and `tokenizer_st_partition`.

extension Tokenizer {
    /// A run of the input: raw text (a byte range) or a special token already recognised.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Encodes text into token ids, as llama.cpp's `llama_tokenize` does.
    /// - Parameters:
    ///   - text: any text; a client's prompt or a rendered chat template.
    ///   - addSpecial: add BOS/EOS where the model asks for them (`addsBOS`, `addsEOS`).
    ///   - parseSpecial: recognise control tokens written in the text (`<|im_start|>` → one token).
    ///     Leave false for untrusted text so a user cannot forge turns. User-defined tokens are always
    ///     recognised, as in llama.cpp.
    /// - Returns: the token ids.
    package func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = false) -> [Int32] {
        let bytes = Array(text.utf8)
        let fragments = partition(bytes, parseSpecial: parseSpecial)
        var output = [Int32]()
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial && addsBOS, let bos { output.append(bos) }

        switch encoder {
        case .bytePairEncoding(let bpe, let pre):
            var workspace = BytePairEncoder.Workspace()
            var codepoints = [UInt32]()
            var offsets = [Int]()
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                case .text(let range):
                    Self.decodeUTF8(bytes[range], codepoints: &codepoints, offsets: &offsets)
                    var wordStart = 0
                    for wordEnd in pre.split(codepoints) {
                        let byteRange = (range.lowerBound + offsets[wordStart])..<(range.lowerBound + offsets[wordEnd])
                        bpe.encode(bytes[byteRange], workspace: &workspace, into: &output)
                        wordStart = wordEnd
                    }
                }
            }
        case .sentencePiece(let spm):
            var isPreviousSpecial = true  // the text start counts as "after a special token"
            for fragment in fragments {
                switch fragment {
                case .token(let id):
                    output.append(id)
                    isPreviousSpecial = true
                case .text(let range):
                    var escaped = [UInt8]()
                    escaped.reserveCapacity(range.count + 3)
                    if addsSpacePrefix && isPreviousSpecial { escaped.append(contentsOf: Self.escapedSpace) }
                    for byte in bytes[range] {
                        if byte == UInt8(ascii: " ") {
                            escaped.append(contentsOf: Self.escapedSpace)
                        } else {
                            escaped.append(byte)
                        }
                    }
                    spm.encode(escaped, into: &output)
                    isPreviousSpecial = false
                }
            }
        }

        if addSpecial && addsEOS, let eos { output.append(eos) }
        return output
    }

    /// `▁` (U+2581), SentencePiece's space.
    static let escapedSpace: [UInt8] = [0xE2, 0x96, 0x81]

    /// Splits special tokens out of the text, longest token first, as llama.cpp's
    /// `tokenizer_st_partition`: each special token splits every remaining text fragment at each of
    /// its occurrences, left to right; empty text between tokens is dropped.
    /// - Parameters:
    ///   - bytes: the text's UTF-8.
    ///   - parseSpecial: also split out control and unknown tokens (user-defined ones always are).
    /// - Returns: text ranges and special tokens, in order.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var present = [Bool](repeating: false, count: 256)
        for byte in bytes { present[Int(byte)] = true }

        var fragments: [Fragment] = [.text(0..<bytes.count)]
        bytes.withUnsafeBufferPointer { text in
            for (id, needle) in specialTokens {
                let attributes = self.attributes[Int(id)]
                if !parseSpecial && !attributes.isDisjoint(with: [.control, .unknown]) { continue }
                guard let first = needle.first, present[Int(first)], needle.count <= text.count else { continue }
                var next = [Fragment]()
                var changed = false
                for fragment in fragments {
                    guard case .text(let range) = fragment else {
                        next.append(fragment)
                        continue
                    }
                    var base = range.lowerBound
                    let end = range.upperBound
                    while base < end, let match = Self.find(needle, in: text, from: base, to: end) {
                        changed = true
                        var leftEnd = match
                        if attributes.contains(.leftStrip) {
                            while leftEnd > base && Self.isCSpace(text[leftEnd - 1]) { leftEnd -= 1 }
                        }
                        if leftEnd > base { next.append(.text(base..<leftEnd)) }
                        next.append(.token(id))
                        base = match + needle.count
                        if attributes.contains(.rightStrip) {
                            while base < end && Self.isCSpace(text[base]) { base += 1 }
                        }
                    }
                    if base < end { next.append(.text(base..<end)) }
                }
                if changed { fragments = next }
            }
        }
        return fragments
    }

    /// The first occurrence of `needle` in `text[from..<to]`.
    private static func find(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard let first = needle.first, to - from >= needle.count else { return nil }
        var i = from
        let last = to - needle.count
        while i <= last {
            if text[i] == first {
                var j = 1
                while j < needle.count && text[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// C `isspace` in the C locale.
    private static func isCSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Decodes UTF-8 into code points and the byte offset of each (plus the end offset).
    /// Malformed bytes become U+FFFD one byte at a time, as in llama.cpp (a Swift `String` never has any).
    static func decodeUTF8(_ bytes: ArraySlice<UInt8>, codepoints: inout [UInt32], offsets: inout [Int]) {
        codepoints.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        let base = bytes.startIndex
        var i = base
        let end = bytes.endIndex
        while i < end {
            offsets.append(i - base)
            let lead = bytes[i]
            let length = SentencePieceEncoder.utf8Length(leadByte: lead)
            var value: UInt32
            switch length {
            case 2: value = UInt32(lead & 0x1F)
            case 3: value = UInt32(lead & 0x0F)
            case 4: value = UInt32(lead & 0x07)
            default: value = UInt32(lead)
            }
            var valid = (length == 1 && lead < 0x80) || length > 1
            if length > 1 {
                if i + length > end {
                    valid = false
                } else {
                    for k in 1..<length {
                        let byte = bytes[i + k]
                        if byte & 0xC0 != 0x80 { valid = false }
                        value = value << 6 | UInt32(byte & 0x3F)
                    }
                }
            }
            if valid {
                codepoints.append(value)
                i += length
            } else {
                codepoints.append(0xFFFD)
                i += 1
            }
        }
        offsets.append(end - base)
    }
}
