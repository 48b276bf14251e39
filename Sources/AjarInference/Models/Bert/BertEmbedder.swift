import Foundation
import Synchronization

/// Sentence embeddings with their token counts, for usage accounting.
package struct EmbeddingBatch: Sendable, Equatable {
    /// One vector of `dimensions` floats per input, in input order (unit length when the model
    /// normalises, as all-MiniLM-L6-v2 does).
    package var vectors: [[Float]]
    /// Tokens of each input, `[CLS]` and `[SEP]` included, after truncation.
    package var tokenCounts: [Int]
    /// `tokenCounts` summed: the `usage.prompt_tokens` of an embeddings response.
    package var totalTokens: Int { tokenCounts.reduce(0, +) }
}

/// A sentence-transformers BERT model (e.g. all-MiniLM-L6-v2) loaded from its folder:
/// `config.json`, `model.safetensors`, `tokenizer.json`, and the optional
/// `sentence_bert_config.json`, `modules.json` and `1_Pooling/config.json`.
///
/// Thread-safe: any thread may call `embed` at any time; calls run one at a time (each already uses
/// all of the pool's threads), in the caller's thread plus the pool's workers. Not for the
/// cooperative pool's threads in a tight loop: an `embed` of many long texts takes a while, so a
/// server should call it from a dedicated thread or accept that it blocks one.
package final class BertEmbedder: Sendable {
    /// The encoder's configuration (dimensions, layers, maximum sequence length …).
    package let config: BertConfig
    /// The tokenizer, as `tokenizer.json` describes it.
    package let tokenizer: WordPieceTokenizer
    private let encoder: BertEncoder
    private let pool: ThreadPool?
    /// Activation buffers, reused; the mutex also serialises forward passes.
    private let scratch: Mutex<ScratchBox>
    /// Tokens per forward pass at most: bounds the activation memory (≈ 15 KiB per token for
    /// MiniLM, so ≤ 60 MiB, kept for reuse) whatever the request size. Passes this large already
    /// run the GEMMs at full speed.
    private let tokensPerPass = 4096

    /// Length of each embedding vector (384 for all-MiniLM-L6-v2).
    package var dimensions: Int { config.dim }
    /// Tokens per input, `[CLS]`/`[SEP]` included; longer texts are truncated to it (256 for
    /// all-MiniLM-L6-v2, from sentence_bert_config.json).
    package var maxSequenceLength: Int { config.maxSequenceLength }

    /// Loads the model folder at `directory`.
    /// - Parameters:
    ///   - directory: The folder with config.json, model.safetensors and tokenizer.json.
    ///   - threadCount: Threads for the forward pass, the caller's included (default: all cores).
    /// - Throws: `BertError` naming the file, tensor or value that is missing or wrong.
    package init(directory: URL, threadCount: Int = ThreadPool.defaultThreadCount) throws(BertError) {
        let config = try BertConfig(directory: directory)
        let tokenizerPath = directory.appendingPathComponent("tokenizer.json").path
        guard FileManager.default.fileExists(atPath: tokenizerPath) else { throw .missingFile(tokenizerPath) }
        let tokenizer: WordPieceTokenizer
        do {
            tokenizer = try WordPieceTokenizer(tokenizerJSON: tokenizerPath)
        } catch {
            throw .tokenizer(error)
        }
        guard tokenizer.vocabularySize <= config.vocabularySize else {
            throw .invalidConfiguration(
                file: "tokenizer.json",
                detail: "\(tokenizer.vocabularySize) token ids but only \(config.vocabularySize) embeddings")
        }
        let weightsPath = directory.appendingPathComponent("model.safetensors").path
        guard FileManager.default.fileExists(atPath: weightsPath) else { throw .missingFile(weightsPath) }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(path: weightsPath)
        } catch {
            throw .weights(error)
        }
        self.config = config
        self.tokenizer = tokenizer
        self.encoder = BertEncoder(config: config, weights: try BertWeights(file: file, config: config))
        self.pool = threadCount > 1 ? ThreadPool(threadCount: threadCount) : nil
        self.scratch = Mutex(ScratchBox(BertScratch(dim: config.dim, hiddenDim: config.hiddenDim)))
    }

    /// Convenience for a path string.
    package convenience init(directory: String, threadCount: Int = ThreadPool.defaultThreadCount) throws(BertError) {
        try self.init(directory: URL(fileURLWithPath: directory), threadCount: threadCount)
    }

    /// Token ids of `text` as the model sees it: `[CLS] … [SEP]`, truncated to `maxSequenceLength`.
    package func tokenize(_ text: String) -> [Int] {
        tokenizer.encode(text, maxLength: config.maxSequenceLength)
    }

    /// Unit-length sentence embeddings of `texts`, in order. Empty input gives an empty result.
    /// - Throws: Nothing for text input today; `throws` keeps room for cancellation.
    package func embed(_ texts: [String]) throws -> [[Float]] {
        try embedWithUsage(texts).vectors
    }

    /// Embeddings of already tokenized inputs, each exactly as given (include `[CLS]`/`[SEP]`, as
    /// `tokenize` returns them).
    /// - Throws: `BertError.emptySequence`, `.tokenOutOfRange` or `.sequenceTooLong` for the first bad input.
    package func embed(tokenIDs: [[Int]]) throws -> [[Float]] {
        try embedWithUsage(tokenIDs: tokenIDs).vectors
    }

    /// `embed(_:)` plus the token count of each input.
    package func embedWithUsage(_ texts: [String]) throws -> EmbeddingBatch {
        let sequences = texts.map(tokenize)
        return EmbeddingBatch(vectors: run(sequences), tokenCounts: sequences.map(\.count))
    }

    /// `embed(tokenIDs:)` plus the token count of each input.
    /// - Throws: `BertError` for the first input that is empty, too long or out of the vocabulary.
    package func embedWithUsage(tokenIDs: [[Int]]) throws(BertError) -> EmbeddingBatch {
        for (index, sequence) in tokenIDs.enumerated() {
            guard !sequence.isEmpty else { throw .emptySequence(index: index) }
            guard sequence.count <= config.maxSequenceLength else {
                throw .sequenceTooLong(index: index, count: sequence.count, limit: config.maxSequenceLength)
            }
            if let bad = sequence.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
                throw .tokenOutOfRange(index: index, id: bad)
            }
        }
        return EmbeddingBatch(vectors: run(tokenIDs), tokenCounts: tokenIDs.map(\.count))
    }

    /// Forward passes over validated sequences (ids < vocabularySize, 1…maxSequenceLength tokens),
    /// in chunks of at most `tokensPerPass` tokens.
    private func run(_ sequences: [[Int]]) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        return scratch.withLock { box in
            var result: [[Float]] = []
            result.reserveCapacity(sequences.count)
            var chunkStart = 0
            while chunkStart < sequences.count {
                var chunkEnd = chunkStart
                var tokens = 0
                while chunkEnd < sequences.count && (chunkEnd == chunkStart || tokens + sequences[chunkEnd].count <= tokensPerPass) {
                    tokens += sequences[chunkEnd].count
                    chunkEnd += 1
                }
                result += encoder.forward(Array(sequences[chunkStart..<chunkEnd]), scratch: box.scratch, pool: pool)
                chunkStart = chunkEnd
            }
            return result
        }
    }
}

/// Holds the scratch buffers inside the mutex. `@unchecked Sendable`: only touched under the lock.
private struct ScratchBox: @unchecked Sendable {
    let scratch: BertScratch
    init(_ scratch: BertScratch) { self.scratch = scratch }
}
