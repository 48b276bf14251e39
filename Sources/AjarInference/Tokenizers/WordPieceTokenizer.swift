// Based on: Hugging Face tokenizers, `normalizers/bert.rs` (BertNormalizer), `pre_tokenizers/bert.rs`
// (BertPreTokenizer), `models/wordpiece/mod.rs` (WordPiece) and `processors/template.rs`, as
// configured by a BERT `tokenizer.json`. Written from their documented behaviour; golden token ids
// from the reference tokenizer are in Tests/AjarInferenceTests/Fixtures/embeddings.json.

import Foundation

/// Why a `tokenizer.json` cannot drive the WordPiece tokenizer.
package enum WordPieceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be read or is not the JSON a tokenizer file is.
    case unreadable(String)
    /// A pipeline stage of a kind this tokenizer does not implement (e.g. a BPE model).
    case unsupported(stage: String, type: String)
    /// The vocabulary is empty, has an id out of range, or lacks a token it needs.
    case invalidVocabulary(String)

    package var description: String {
        switch self {
        case .unreadable(let message): "cannot read tokenizer.json: \(message)"
        case .unsupported(let stage, let type): "tokenizer.json \(stage) '\(type)' is not supported (BERT WordPiece only)"
        case .invalidVocabulary(let message): "tokenizer.json vocabulary: \(message)"
        }
    }
}

/// A BERT WordPiece tokenizer: BertNormalizer → BertPreTokenizer → WordPiece → `[CLS] … [SEP]`.
///
/// - Normaliser: drops NUL, U+FFFD and other-category (Cc, Cf, Cs, Co, Cn) characters, turns every
///   white space into a space, surrounds CJK ideographs with spaces, strips accents (NFD, then
///   drops non-spacing marks) when `strip_accents` is true or null with lower-casing on, and
///   lower-cases each character on its own (no final-sigma rule, as the reference).
/// - Pre-tokenizer: splits at white space (dropped) and around each punctuation character (kept
///   as its own word): ASCII punctuation and Unicode categories P*.
/// - WordPiece: longest match first from the left, continuations prefixed `##`; a word longer than
///   `max_input_chars_per_word` or with any unmatched piece becomes one `[UNK]`.
/// - Added tokens whose content appears verbatim in the text (`[CLS]`, `[MASK]` …) map to their id
///   without being normalised, as the reference does for `normalized: false` tokens.
///
/// Immutable and `Sendable`; `encode` may run on many threads at once.
package struct WordPieceTokenizer: Sendable {
    package let vocabulary: [String: Int]
    /// `idToToken[id]`, "" for unused ids.
    package let idToToken: [String]
    package let unknownID: Int
    package let classifierID: Int
    package let separatorID: Int
    package let paddingID: Int
    package let continuingPrefix: String
    package let maxInputCharactersPerWord: Int
    package let cleanText: Bool
    package let handleChineseCharacters: Bool
    package let stripAccents: Bool
    package let lowercase: Bool
    /// Added tokens matched verbatim in the raw text, longest first.
    package let addedTokens: [(content: [Unicode.Scalar], id: Int)]

    /// Number of ids (largest id + 1).
    package var vocabularySize: Int { idToToken.count }

    // MARK: - Loading

    private struct File: Decodable {
        struct AddedToken: Decodable {
            var id: Int
            var content: String
            var normalized: Bool?
        }
        struct Normalizer: Decodable {
            var type: String
            var clean_text: Bool?
            var handle_chinese_chars: Bool?
            var strip_accents: Bool?
            var lowercase: Bool?
        }
        struct Stage: Decodable {
            var type: String
        }
        struct Model: Decodable {
            var type: String
            var vocab: [String: Int]
            var unk_token: String?
            var continuing_subword_prefix: String?
            var max_input_chars_per_word: Int?
        }
        var added_tokens: [AddedToken]?
        var normalizer: Normalizer?
        var pre_tokenizer: Stage?
        var model: Model
    }

    /// Reads `tokenizer.json`.
    /// - Throws: `WordPieceError` when the file is unreadable or describes another kind of tokenizer.
    package init(tokenizerJSON path: String) throws(WordPieceError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable("\(path): \(error.localizedDescription)")
        }
        try self.init(tokenizerJSONData: data)
    }

    /// Parses the contents of a `tokenizer.json`.
    /// - Throws: `WordPieceError` when the data is not a BERT WordPiece tokenizer file.
    package init(tokenizerJSONData data: Data) throws(WordPieceError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw .unreadable("\(error)")
        }
        guard file.model.type == "WordPiece" else { throw .unsupported(stage: "model", type: file.model.type) }
        if let normalizer = file.normalizer, normalizer.type != "BertNormalizer" {
            throw .unsupported(stage: "normalizer", type: normalizer.type)
        }
        if let pre = file.pre_tokenizer, pre.type != "BertPreTokenizer" {
            throw .unsupported(stage: "pre_tokenizer", type: pre.type)
        }
        let vocab = file.model.vocab
        guard !vocab.isEmpty else { throw .invalidVocabulary("empty") }
        // Ids index embedding rows: bound them before building the reverse table.
        guard let maxID = vocab.values.max(), let minID = vocab.values.min(), minID >= 0, maxID < 10_000_000 else {
            throw .invalidVocabulary("ids outside 0..<10000000")
        }
        var idToToken = [String](repeating: "", count: maxID + 1)
        for (token, id) in vocab { idToToken[id] = token }
        func id(_ token: String) throws(WordPieceError) -> Int {
            guard let id = vocab[token] else { throw .invalidVocabulary("no token \(token)") }
            return id
        }
        let unknown = file.model.unk_token ?? "[UNK]"
        self.vocabulary = vocab
        self.idToToken = idToToken
        self.unknownID = try id(unknown)
        self.classifierID = try id("[CLS]")
        self.separatorID = try id("[SEP]")
        self.paddingID = vocab["[PAD]"] ?? 0
        self.continuingPrefix = file.model.continuing_subword_prefix ?? "##"
        self.maxInputCharactersPerWord = file.model.max_input_chars_per_word ?? 100
        let normalizer = file.normalizer
        self.cleanText = normalizer?.clean_text ?? true
        self.handleChineseCharacters = normalizer?.handle_chinese_chars ?? true
        self.lowercase = normalizer?.lowercase ?? true
        self.stripAccents = normalizer?.strip_accents ?? self.lowercase
        self.addedTokens = (file.added_tokens ?? [])
            .filter { !$0.content.isEmpty && $0.id >= 0 && $0.id <= maxID }
            .map { (Array($0.content.unicodeScalars), $0.id) }
            .sorted { $0.content.count > $1.content.count }
    }

    // MARK: - Encoding

    /// Token ids of `text` as `[CLS] … [SEP]`, the content truncated to `maxLength − 2` tokens (as
    /// the reference's `truncation="longest_first", max_length=maxLength` does for one sequence).
    /// - Parameter maxLength: Tokens including `[CLS]` and `[SEP]`; values below 2 count as 2.
    package func encode(_ text: String, maxLength: Int) -> [Int] {
        var ids = [classifierID]
        ids.append(contentsOf: encodeContent(text).prefix(max(0, maxLength - 2)))
        ids.append(separatorID)
        return ids
    }

    /// Token ids of `text` without `[CLS]`/`[SEP]` and without truncation.
    package func encodeContent(_ text: String) -> [Int] {
        var ids: [Int] = []
        let scalars = Array(text.unicodeScalars)
        var segmentStart = 0
        var i = 0
        while i < scalars.count {
            if let (length, id) = addedToken(at: i, in: scalars) {
                encodeSegment(scalars[segmentStart..<i], into: &ids)
                ids.append(id)
                i += length
                segmentStart = i
            } else {
                i += 1
            }
        }
        encodeSegment(scalars[segmentStart..<scalars.count], into: &ids)
        return ids
    }

    private func addedToken(at index: Int, in scalars: [Unicode.Scalar]) -> (Int, Int)? {
        guard !addedTokens.isEmpty else { return nil }
        for (content, id) in addedTokens where index + content.count <= scalars.count {
            if scalars[index..<(index + content.count)].elementsEqual(content) { return (content.count, id) }
        }
        return nil
    }

    private func encodeSegment(_ segment: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        guard !segment.isEmpty else { return }
        let normalized = normalize(segment)
        var word: [Unicode.Scalar] = []
        for scalar in normalized {
            if Self.isWhitespace(scalar) {
                wordPiece(word, into: &ids)
                word.removeAll(keepingCapacity: true)
            } else if Self.isPunctuation(scalar) {
                wordPiece(word, into: &ids)
                word.removeAll(keepingCapacity: true)
                wordPiece([scalar], into: &ids)
            } else {
                word.append(scalar)
            }
        }
        wordPiece(word, into: &ids)
    }

    /// Greedy longest-match-first WordPiece of one pre-tokenized word.
    private func wordPiece(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        guard !word.isEmpty else { return }
        guard word.count <= maxInputCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        var pieces: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var match: Int?
            while start < end {
                var candidate = start > 0 ? continuingPrefix : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else {
                ids.append(unknownID)
                return
            }
            pieces.append(match)
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    // MARK: - BertNormalizer

    /// The normaliser's output for one segment of raw text.
    package func normalize(_ segment: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(segment.count)
        for scalar in segment {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    out.append(" ")
                    continue
                }
            }
            if handleChineseCharacters && Self.isChineseCharacter(scalar) {
                out.append(" ")
                out.append(scalar)
                out.append(" ")
                continue
            }
            out.append(scalar)
        }
        if stripAccents {
            var text = String()
            text.unicodeScalars.append(contentsOf: out)
            out = text.decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                $0.properties.generalCategory != .nonspacingMark
            }
        }
        if lowercase { out = Self.lowercased(out) }
        return out
    }

    /// Full Unicode lower-casing, character by character and without context, as the reference
    /// does (it maps each char on its own, so a final Σ becomes σ, not ς: checked against it).
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                let v = scalar.value
                out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(UInt8(v + 32)) : scalar)
            } else {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    // MARK: - Character classes (as the reference defines them)

    /// `\t`, `\n`, `\r`, or Unicode White_Space.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0D: return true
        case 0..<0x80: return scalar.value == 0x0B || scalar.value == 0x0C
        default: return scalar.properties.isWhitespace
        }
    }

    /// Other (Cc, Cf, Cs, Co, Cn), except `\t`, `\n`, `\r`.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x20..<0x7F: return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    /// ASCII punctuation (`!`…`/`, `:`…`@`, `[`…`` ` ``, `{`…`~`) or a Unicode P* category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 {
            return (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v)
                || (0x7B...0x7E).contains(v)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// The CJK ideograph blocks the reference spaces out.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}
