import Foundation
import Synchronization

/// One turn of a conversation, as the model's chat template sees it.
package struct ChatTurn: Sendable, Equatable {
    package var role: String
    package var content: String

    package init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What to generate.
package struct GenerationRequest: Sendable {
    package var messages: [ChatTurn]
    /// `nil`: until the end of the context.
    package var maxTokens: Int?
    package var stop: [String] = []
    package var sampling = SamplingParameters()

    package init(messages: [ChatTurn], maxTokens: Int? = nil) {
        self.messages = messages
        self.maxTokens = maxTokens
    }
}

/// A token's log-probability, with its alternatives (OpenAI's `logprobs.content[]` item).
package struct TokenLogprob: Sendable, Equatable {
    package var token: String
    package var bytes: [UInt8]
    package var logprob: Float
    package var top: [Alternative]

    package struct Alternative: Sendable, Equatable {
        package var token: String
        package var bytes: [UInt8]
        package var logprob: Float
    }
}

/// What a running generation reports, in order: `started`, `text`…, `finished`.
package enum GenerationEvent: Sendable, Equatable {
    case started(promptTokens: Int)
    /// New text (never a partial UTF-8 character, never part of a stop sequence), and the
    /// log-probabilities of the tokens that produced it when asked for.
    case text(String, logprobs: [TokenLogprob])
    case finished(GenerationFinish)
}

/// How and after how much work a generation ended.
package struct GenerationFinish: Sendable, Equatable {
    package enum Reason: Sendable, Equatable {
        /// The model ended its turn.
        case endOfTurn
        /// One of the request's stop sequences.
        case stopSequence(String)
        /// `maxTokens`, or the end of the context.
        case length
    }

    package var reason: Reason
    package var promptTokens: Int
    package var completionTokens: Int
    /// Prompt tokens served from the cache of the previous request.
    package var cachedPromptTokens: Int
    /// Seconds spent computing (prefill and decode), for accounting.
    package var computeSeconds: Double
}

/// Why a generation cannot start.
package enum GenerationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue is full; try again later.
    case busy(queued: Int)
    /// The prompt does not leave room for even one token.
    case contextOverflow(promptTokens: Int, contextLength: Int)
    /// The chat template rejected the conversation, or failed.
    case template(String)
    /// The forward pass failed (a bug or a corrupt file).
    case model(String)

    package var description: String {
        switch self {
        case .busy(let queued): "the local engine is busy (\(queued) requests queued)"
        case .contextOverflow(let prompt, let context):
            "the prompt is \(prompt) tokens, which leaves no room in the model's context of \(context) tokens"
        case .template(let message): "the model's chat template failed: \(message)"
        case .model(let message): "the local model failed: \(message)"
        }
    }
}

/// A chat model served in-process: a ``LlamaModel``, its tokenizer and chat template, and one
/// worker thread that runs one generation at a time with a bounded queue. The KV cache is reused
/// across requests that share a prompt prefix (a multi-turn conversation's history).
package final class LocalChatModel: Sendable {
    package let model: LlamaModel
    package let tokenizer: Tokenizer
    package let template: ChatTemplate?
    /// Tokens the context holds.
    package let contextLength: Int
    private let worker: InferenceWorker
    private let session: Session

    /// Loads a GGUF chat model.
    /// - Parameters:
    ///   - threads: threads per matrix multiplication.
    ///   - contextLength: the context to allocate (at most the model's; default 4096).
    ///   - maxQueued: requests that may wait while one runs; more are refused with ``GenerationError/busy(queued:)``.
    package init(path: String, threads: Int? = nil, contextLength: Int? = nil, maxQueued: Int = 16) throws(ModelError) {
        model = try LlamaModel(path: path, threads: threads)
        tokenizer = try Tokenizer(file: model.file)
        if let source = model.file["tokenizer.chat_template"]?.string {
            do {
                template = try ChatTemplate(source: source)
            } catch {
                throw .tokenizer("the chat template cannot be parsed: \(error)")
            }
        } else {
            template = nil
        }
        self.contextLength = min(model.config.contextLength, max(16, contextLength ?? 4096))
        session = Session(state: model.makeState(capacity: self.contextLength))
        worker = InferenceWorker(name: "ajar-inference", maxQueued: maxQueued)
    }

    deinit { worker.shutdown() }

    /// Requests waiting behind the running one.
    package var queueDepth: Int { worker.queueDepth }

    /// The prompt's tokens: the conversation rendered with the model's template (ChatML when the
    /// file has none), special tokens parsed.
    package func promptTokens(for messages: [ChatTurn]) throws(GenerationError) -> [Int32] {
        let text: String
        if let template {
            let bos = tokenizer.bos.flatMap(tokenizer.tokenText) ?? ""
            let eos = tokenizer.eos.flatMap(tokenizer.tokenText) ?? ""
            do {
                text = try template.render(
                    messages: messages.map { ($0.role, $0.content) }, addGenerationPrompt: true, bosToken: bos, eosToken: eos)
            } catch {
                throw .template("\(error)")
            }
        } else {
            text = messages.map { "<|im_start|>\($0.role)\n\($0.content)<|im_end|>\n" }.joined() + "<|im_start|>assistant\n"
        }
        // A template that writes `bos_token` itself must not get a second BOS from the tokenizer
        // (llama.cpp strips it the same way).
        let bosText = tokenizer.bos.flatMap(tokenizer.tokenText)
        let templateWroteBOS = tokenizer.addsBOS && bosText.map { !$0.isEmpty && text.hasPrefix($0) } == true
        return tokenizer.encode(text, addSpecial: !templateWroteBOS, parseSpecial: true)
    }

    /// Starts generating. The stream ends when the generation does; dropping or cancelling its
    /// consumer stops the generation at the next token.
    /// - Throws: ``GenerationError`` before anything runs (busy, prompt too long, template).
    package func generate(_ request: GenerationRequest) throws(GenerationError) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let prompt = try promptTokens(for: request.messages)
        guard prompt.count < contextLength else {
            throw .contextOverflow(promptTokens: prompt.count, contextLength: contextLength)
        }
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let flag = CancellationFlag()
        continuation.onTermination = { _ in flag.cancel() }
        do {
            try worker.submit { [self] in
                run(prompt: prompt, request: request, flag: flag, continuation: continuation)
            }
        } catch {
            throw .busy(queued: error.queued)
        }
        return stream
    }

    // MARK: - On the worker thread

    private func run(
        prompt: [Int32], request: GenerationRequest, flag: CancellationFlag,
        continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    ) {
        guard !flag.isCancelled else {
            continuation.finish()
            return
        }
        let started = ContinuousClock.now
        let state = session.state
        // Reuse the cached prefix shared with the previous request.
        var shared = 0
        while shared < min(session.tokens.count, prompt.count - 1), session.tokens[shared] == prompt[shared] { shared += 1 }
        state.truncate(to: shared)
        session.tokens.removeSubrange(shared...)
        continuation.yield(.started(promptTokens: prompt.count))
        do {
            try model.prefill(prompt[shared...], state: state, shouldStop: { flag.isCancelled })
            session.tokens.append(contentsOf: prompt[shared..<state.position])
            var sampler = Sampler(parameters: request.sampling, vocabularySize: model.config.vocabularySize)
            var decoder = tokenizer.makeIncrementalDecoder()
            var stops = StopSequenceMatcher(stops: request.stop)
            let room = contextLength - prompt.count
            let limit = min(request.maxTokens ?? room, room)
            var generated = 0
            var reason = GenerationFinish.Reason.length
            var history = prompt
            generation: while generated < limit, !flag.isCancelled {
                let sampled = sampler.sample(state.logits, history: history[...])
                if tokenizer.isEndOfGeneration(sampled.id) {
                    reason = .endOfTurn
                    break
                }
                generated += 1
                history.append(sampled.id)
                let logprobs = request.sampling.logprobs ? [makeLogprob(sampled)] : []
                switch stops.feed(decoder.append(sampled.id)) {
                case .text(let text):
                    if !text.isEmpty || !logprobs.isEmpty { continuation.yield(.text(text, logprobs: logprobs)) }
                case .stop(let before, let sequence):
                    if !before.isEmpty { continuation.yield(.text(before, logprobs: logprobs)) }
                    reason = .stopSequence(sequence)
                    break generation
                }
                if generated < limit {
                    try model.forward(sampled.id, state: state)
                    session.tokens.append(sampled.id)
                }
            }
            if case .stopSequence = reason {} else {
                let rest = stops.feed(decoder.finish())
                if case .text(let text) = rest, !text.isEmpty { continuation.yield(.text(text, logprobs: [])) }
                let held = stops.flush()
                if !held.isEmpty { continuation.yield(.text(held, logprobs: [])) }
            }
            let seconds = started.duration(to: .now)
            continuation.yield(
                .finished(
                    GenerationFinish(
                        reason: reason, promptTokens: prompt.count, completionTokens: generated, cachedPromptTokens: shared,
                        computeSeconds: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18)))
            continuation.finish()
        } catch {
            state.reset()
            session.tokens.removeAll()
            continuation.finish(throwing: GenerationError.model("\(error)"))
        }
    }

    private func makeLogprob(_ sampled: SampledToken) -> TokenLogprob {
        func text(_ id: Int32) -> (String, [UInt8]) {
            let bytes = Array(tokenizer.piece(id))
            return (String(decoding: bytes, as: UTF8.self), bytes)
        }
        let (token, bytes) = text(sampled.id)
        return TokenLogprob(
            token: token, bytes: bytes, logprob: sampled.logprob ?? 0,
            top: sampled.topLogprobs.map { alternative in
                let (token, bytes) = text(alternative.id)
                return TokenLogprob.Alternative(token: token, bytes: bytes, logprob: alternative.logprob)
            })
    }

    /// The sequence state, touched only on the worker thread (one job at a time), which is what
    /// makes sharing it safe.
    private final class Session: @unchecked Sendable {
        let state: LlamaState
        /// The tokens whose keys and values are in the cache, in order.
        var tokens: [Int32] = []

        init(state: LlamaState) {
            self.state = state
        }
    }
}
