// Based on: llama.cpp src/llama-vocab.cpp (`llm_tokenizer_bpe` regex lists per pre-tokenizer type and
// the `tokenizer.ggml.pre` name table in `llama_vocab::impl::load`) and src/unicode.cpp
// (`unicode_regex_split`, `unicode_regex_split_custom_gpt2`, `…_llama3`, `…_qwen2`).
// llama.cpp runs a list of regexes one after another; each splits every piece the previous one made,
// and text between matches stays a piece of its own. The regexes are matched here by hand-written
// scanners over llama.cpp's code point table, not by a regex engine.

/// The pre-tokenizer of a byte-level BPE vocabulary (`tokenizer.ggml.pre`): splits text into the words
/// that BPE then merges within, plus the per-family flags llama.cpp attaches to the name.
package struct PreTokenizer: Sendable, Equatable {
    /// The regex families implemented here.
    package enum Kind: String, Sendable, Equatable {
        /// llama.cpp's fallback: `[\p{P}\$\+<=>\^~\|]+`, the GPT-2 regex, `\p{N}+`, `[0-9][0-9][0-9]`.
        case `default`
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
        case gpt2
        /// `\p{N}` (every digit alone), then the GPT-2 regex (SmolLM, StarCoder, Refact, Command-R, …).
        case smollm
        /// `(?i:'s|…)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
        case llama3
        /// The Llama 3 regex with `\p{N}` instead of `\p{N}{1,3}` (Qwen2, StableLM2, …).
        case qwen2
    }

    /// Which regexes split the text.
    package let kind: Kind
    /// llama.cpp `ignore_merges`: a word that is a whole vocabulary entry is emitted without merging.
    package let ignoresMerges: Bool
    /// Whether llama.cpp adds BOS for this family when the file does not say (`add_bos_token`).
    package let addsBOSByDefault: Bool
    /// llama.cpp `clean_spaces` (`clean_up_tokenization_spaces`), for detokenizers that want it.
    package let cleansSpaces: Bool

    /// Builds the pre-tokenizer llama.cpp picks for a `tokenizer.ggml.pre` value.
    /// - Parameter name: the value; nil or empty means llama.cpp's `default` (which it warns degrades quality).
    /// - Throws: `TokenizerError.unsupportedPreTokenizer` for names whose regexes are not implemented here.
    package init(name: String?) throws(TokenizerError) {
        var ignoresMerges = false
        var addsBOS = false
        var cleans = true
        let kind: Kind
        switch name ?? "" {
        case "", "default":
            kind = .default
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            kind = .llama3
            ignoresMerges = true
            addsBOS = true
        case "dbrx", "smaug-bpe":
            kind = .llama3
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
            "modern-bert", "mpt", "olmo", "jais", "exaone4":
            kind = .gpt2
        case "trillion", "granite-docling":
            kind = .gpt2
            cleans = false
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2":
            kind = .smollm
        case "smollm", "command-r":
            kind = .smollm
            cleans = false
        case "stablelm2":
            kind = .qwen2
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open":
            kind = .qwen2
            cleans = false
        case "megrez":
            kind = .qwen2
        default:
            throw .unsupportedPreTokenizer(name ?? "")
        }
        self.kind = kind
        self.ignoresMerges = ignoresMerges
        self.addsBOSByDefault = addsBOS
        self.cleansSpaces = cleans
    }

    /// Splits `codepoints` into words.
    /// - Parameter codepoints: one text fragment (special tokens already taken out).
    /// - Returns: the end offset (exclusive, in code points) of each word, ascending; the first word starts at 0.
    func split(_ codepoints: [UInt32]) -> [Int] {
        guard !codepoints.isEmpty else { return [] }
        let flags = codepoints.map(CodepointFlags.of)
        var ends = [codepoints.count]
        func pass(_ body: (Int, Int, inout [Int]) -> Void) {
            var next = [Int]()
            next.reserveCapacity(codepoints.count / 2 + 1)
            var start = 0
            for end in ends {
                body(start, end, &next)
                start = end
            }
            ends = next
        }
        let scanner = WordScanner(codepoints: codepoints, flags: flags)
        switch kind {
        case .default:
            pass { scanner.splitRuns(from: $0, to: $1, into: &$2, where: Self.isDefaultPunctuation) }
            pass { scanner.splitGPT2(from: $0, to: $1, into: &$2) }
            pass { scanner.splitRuns(from: $0, to: $1, into: &$2, where: { $1.isNumber }) }
            pass { scanner.splitDigitTriples(from: $0, to: $1, into: &$2) }
        case .gpt2:
            pass { scanner.splitGPT2(from: $0, to: $1, into: &$2) }
        case .smollm:
            pass { scanner.splitEach(from: $0, to: $1, into: &$2, where: { $1.isNumber }) }
            pass { scanner.splitGPT2(from: $0, to: $1, into: &$2) }
        case .llama3:
            pass { scanner.splitLlama3(from: $0, to: $1, into: &$2, maxDigits: 3) }
        case .qwen2:
            pass { scanner.splitLlama3(from: $0, to: $1, into: &$2, maxDigits: 1) }
        }
        return ends
    }

    /// `[\p{P}\$\+<=>\^~\|]` as llama.cpp evaluates it on its collapsed text.
    private static func isDefaultPunctuation(_ codepoint: UInt32, _ flags: CodepointFlags) -> Bool {
        if flags.isPunctuation { return true }
        switch codepoint {
        case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x5E, 0x7E, 0x7C: return true  // $ + < = > ^ ~ |
        default: return false
        }
    }
}
