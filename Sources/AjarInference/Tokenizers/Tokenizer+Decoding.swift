// Port of llama.cpp src/llama-vocab.cpp `llama_vocab::impl::token_to_piece` (and its piece cache).

extension Tokenizer {
    /// The bytes a token stands for (llama.cpp `llama_token_to_piece` with `lstrip` 0).
    /// - Parameters:
    ///   - id: a token id; ids outside the vocabulary give no bytes.
    ///   - renderSpecial: show control and unknown tokens as their text (`<|im_end|>`); otherwise they
    ///     give no bytes. User-defined tokens always show.
    /// - Returns: the bytes, which may end (or start) in the middle of a UTF-8 sequence.
    package func piece(_ id: Int32, renderSpecial: Bool = false) -> ArraySlice<UInt8> {
        guard id >= 0, Int(id) < texts.count else { return [] }
        if !renderSpecial && !attributes[Int(id)].isDisjoint(with: [.control, .unknown]) { return [] }
        return pieceBytes[Int(pieceOffsets[Int(id)])..<Int(pieceOffsets[Int(id) + 1])]
    }

    /// The bytes of a token sequence: its pieces back to back, with no clean-up.
    /// - Parameters:
    ///   - ids: token ids; unknown ids are skipped.
    ///   - renderSpecial: show control tokens as their text.
    package func decodeBytes(_ ids: [Int32], renderSpecial: Bool = false) -> [UInt8] {
        var bytes = [UInt8]()
        for id in ids {
            bytes.append(contentsOf: piece(id, renderSpecial: renderSpecial))
        }
        return bytes
    }

    /// The text of a token sequence: its pieces back to back, as UTF-8 (malformed bytes, e.g. a sequence cut
    /// after a partial character, become U+FFFD). For streaming, use `IncrementalDecoder`.
    /// - Parameters:
    ///   - ids: token ids; unknown ids are skipped.
    ///   - renderSpecial: show control tokens as their text.
    package func decode(_ ids: [Int32], renderSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// A decoder for a stream of generated tokens that never splits a UTF-8 character.
    /// - Parameter renderSpecial: show control tokens as their text.
    package func makeIncrementalDecoder(renderSpecial: Bool = false) -> IncrementalDecoder {
        IncrementalDecoder(tokenizer: self, renderSpecial: renderSpecial)
    }

    /// Every token's piece with special tokens shown (llama.cpp's `cache_token_to_piece`).
    /// - Returns: the pieces back to back and [vocab + 1] offsets.
    static func renderPieces(
        texts: [String], attributes: [TokenAttributes], encoder: Encoder
    ) -> (bytes: [UInt8], offsets: [Int32]) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(texts.count * 8)
        var offsets = [Int32]()
        offsets.reserveCapacity(texts.count + 1)
        offsets.append(0)
        let isByteLevel: Bool
        switch encoder {
        case .bytePairEncoding: isByteLevel = true
        case .sentencePiece: isByteLevel = false
        }
        for (text, attributes) in zip(texts, attributes) {
            if !attributes.isDisjoint(with: [.unknown, .control, .userDefined]) {
                bytes.append(contentsOf: text.utf8)
            } else if attributes.contains(.normal) {
                if isByteLevel {
                    ByteLevelEncoding.append(decoding: text, to: &bytes)
                } else {
                    Self.appendUnescapingSpaces(text, to: &bytes)
                }
            } else if attributes.contains(.byte), let byte = Self.byteValue(ofByteToken: text) {
                bytes.append(byte)
            }
            offsets.append(Int32(bytes.count))
        }
        return (bytes, offsets)
    }

    /// `▁` → space.
    private static func appendUnescapingSpaces(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if i + 2 < utf8.count && utf8[i] == 0xE2 && utf8[i + 1] == 0x96 && utf8[i + 2] == 0x81 {
                bytes.append(UInt8(ascii: " "))
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
    }

    /// The byte of a `<0xXX>` token (llama.cpp reads the two characters after `<0x`).
    private static func byteValue(ofByteToken text: String) -> UInt8? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 5 else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}
