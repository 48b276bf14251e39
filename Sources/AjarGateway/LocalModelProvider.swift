import AjarCore
import AjarInference
import Foundation
import Logging
import Synchronization

/// Adapts the in-process engine (``LocalChatModel``) to ``ChatProvider``: each deployment's
/// `model` is the path of a GGUF file, loaded once at start-up.
package final class LocalModelProvider: ChatProvider {
    package let name: String
    static let logger = Logger(label: "ajar.local")
    private let models: [String: LocalChatModel]
    /// Embedding models, by deployment model (a folder).
    private let embedders: [String: BertEmbedder]
    /// Deployments whose file could not be loaded, with the reason.
    package let failures: [String: String]
    /// Content hashes the files must keep, per deployment model (see ``ModelPin``).
    private let pins: [String: ModelPin]
    /// Told once each time a pinned model starts being refused (for the audit trail).
    private let onPinMismatch: @Sendable (_ model: String, _ reason: String) -> Void
    /// Models refused for a pin mismatch and already reported.
    private let reported = Mutex<Set<String>>([])

    /// Loads every model file `deployments` names (paths resolved by `resolve`).
    /// - Parameter pins: SHA-256 per deployment model; a file that does not match is not loaded,
    ///   and a file that changes while the server runs is refused from then on.
    package init(
        config: ProviderConfig, models deployments: [String], pins: [String: String] = [:], resolve: (String) -> String,
        onPinMismatch: @escaping @Sendable (_ model: String, _ reason: String) -> Void = { _, _ in }
    ) {
        name = config.name
        self.onPinMismatch = onPinMismatch
        var models: [String: LocalChatModel] = [:]
        var failures: [String: String] = [:]
        var modelPins: [String: ModelPin] = [:]
        var embedders: [String: BertEmbedder] = [:]
        for model in Set(deployments) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: resolve(model), isDirectory: &isDirectory), isDirectory.boolValue {
                // A folder: a BERT-family embedding model (model.safetensors, tokenizer.json, …).
                if let sha256 = pins[model] {
                    let pin = ModelPin(path: resolve(model) + "/model.safetensors", sha256: sha256)
                    modelPins[model] = pin
                    if let reason = pin.check() {
                        failures[model] = reason
                        continue
                    }
                }
                do {
                    embedders[model] = try BertEmbedder(
                        directory: URL(fileURLWithPath: resolve(model)), threadCount: config.threads ?? ThreadPool.defaultThreadCount)
                } catch {
                    failures[model] = "\(error)"
                }
                continue
            }
            if let sha256 = pins[model] {
                let pin = ModelPin(path: resolve(model), sha256: sha256)
                modelPins[model] = pin
                if let reason = pin.check() {
                    failures[model] = reason
                    continue
                }
            }
            do {
                models[model] = try LocalChatModel(
                    path: resolve(model), threads: config.threads, contextLength: config.contextLength,
                    maxQueued: config.maxQueue)
            } catch {
                failures[model] = "\(error)"
            }
        }
        self.models = models
        self.embedders = embedders
        self.failures = failures
        self.pins = modelPins
    }

    /// The loaded model for a deployment, for metrics and tests.
    package func model(_ deployment: String) -> LocalChatModel? { models[deployment] }

    package func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let (model, generation) = try prepare(request)
        let events = try start(model, generation)
        var text = ""
        var logprobs: [TokenLogprob] = []
        var finish: GenerationFinish?
        for try await event in events {
            switch event {
            case .started: break
            case .text(let piece, let pieceLogprobs):
                text += piece
                logprobs += pieceLogprobs
            case .finished(let result): finish = result
            }
        }
        guard let finish else { throw CancellationError() }
        var message = ChatMessage(role: .assistant, text: text)
        message.contentIsString = true
        let choice = ChatChoice(
            index: 0, message: message, finishReason: Self.finishReason(finish.reason),
            logprobs: request.logprobs == true ? Self.logprobsJSON(logprobs) : nil)
        return ChatResponse(
            id: Self.makeID(), model: Self.modelName(request.model), created: Int(Date().timeIntervalSince1970),
            choices: [choice], usage: Self.usage(finish))
    }

    package func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error> {
        let prepared: (LocalChatModel, GenerationRequest)
        let events: AsyncThrowingStream<GenerationEvent, any Error>
        do {
            prepared = try prepare(request)
            events = try start(prepared.0, prepared.1)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let id = Self.makeID(), model = Self.modelName(request.model), created = Int(Date().timeIntervalSince1970)
        let wantsLogprobs = request.logprobs == true
        let (stream, continuation) = AsyncThrowingStream<ChatChunk, any Error>.makeStream()
        let task = Task {
            do {
                for try await event in events {
                    switch event {
                    case .started:
                        continuation.yield(
                            ChatChunk(id: id, model: model, created: created,
                                choices: [ChunkChoice(index: 0, delta: ChunkDelta(role: .assistant, content: ""))]))
                    case .text(let piece, let logprobs):
                        continuation.yield(
                            ChatChunk(id: id, model: model, created: created,
                                choices: [ChunkChoice(index: 0, delta: ChunkDelta(content: piece),
                                    logprobs: wantsLogprobs ? Self.logprobsJSON(logprobs) : nil)]))
                    case .finished(let finish):
                        continuation.yield(
                            ChatChunk(id: id, model: model, created: created,
                                choices: [ChunkChoice(index: 0, delta: ChunkDelta(), finishReason: Self.finishReason(finish.reason))]))
                        continuation.yield(ChatChunk(id: id, model: model, created: created, choices: [], usage: Self.usage(finish)))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Self.translate(error))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Refuses a pinned model whose file no longer has its pinned content (logged with details).
    private func checkPin(_ model: String) throws {
        guard let reason = pins[model]?.check() else {
            _ = reported.withLock { $0.remove(model) }
            return
        }
        if reported.withLock({ $0.insert(model).inserted }) { onPinMismatch(model, reason) }
        Self.logger.error("local model refused", metadata: ["model": "\(model)", "reason": "\(reason)"])
        throw GatewayError.unavailable(
            "The local model \(Self.modelName(model)) is refused: its file no longer matches the SHA-256 pinned in "
                + "the configuration. An administrator must re-register it.", retryAfter: nil)
    }

    // MARK: - Mapping

    private func prepare(_ request: ChatRequest) throws -> (LocalChatModel, GenerationRequest) {
        if embedders[request.model] != nil { throw ProviderError.unsupported("\(request.model) is an embedding model") }
        guard let model = models[request.model] else {
            let reason = failures[request.model] ?? "not loaded"
            throw ProviderError.http(status: 503, message: "the local model \(request.model) is unavailable: \(reason)", retryAfter: nil)
        }
        try checkPin(request.model)
        if !request.tools.isEmpty { throw ProviderError.unsupported("the local engine does not support tools") }
        if (request.n ?? 1) > 1 { throw ProviderError.unsupported("the local engine generates one choice (n=1)") }
        if let format = request.responseFormat, format != .text {
            throw ProviderError.unsupported("the local engine does not support response_format \(format)")
        }
        var turns: [ChatTurn] = []
        for (index, message) in request.messages.enumerated() {
            let role: String
            switch message.role {
            case .system, .developer: role = "system"
            case .user: role = "user"
            case .assistant: role = "assistant"
            case .tool: throw ProviderError.unsupported("the local engine does not support tool messages")
            }
            for part in message.content {
                if case .text = part { continue }
                throw ProviderError.unsupported("the local engine reads text only (messages[\(index)] has other content)")
            }
            turns.append(ChatTurn(role: role, content: message.text))
        }
        var generation = GenerationRequest(messages: turns, maxTokens: request.maxTokens)
        generation.stop = request.stop
        var sampling = SamplingParameters()
        sampling.temperature = Float(request.temperature ?? 1)
        sampling.topP = Float(request.topP ?? 1)
        sampling.topK = request.topK ?? 0
        sampling.presencePenalty = Float(request.presencePenalty ?? 0)
        sampling.frequencyPenalty = Float(request.frequencyPenalty ?? 0)
        sampling.seed = request.seed.map { UInt64(bitPattern: $0) }
        sampling.logprobs = request.logprobs == true
        sampling.topLogprobs = request.logprobs == true ? (request.topLogprobs ?? 0) : 0
        generation.sampling = sampling
        return (model, generation)
    }

    private func start(_ model: LocalChatModel, _ generation: GenerationRequest) throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        do {
            return try model.generate(generation)
        } catch {
            throw Self.translate(error)
        }
    }

    static func translate(_ error: any Error) -> any Error {
        switch error {
        case GenerationError.busy:
            return ProviderError.overloaded(retryAfter: 1)
        case GenerationError.contextOverflow(let prompt, let context):
            return GatewayError.invalidRequest(
                "This model's maximum context length is \(context) tokens; the messages take \(prompt).", param: "messages")
        case GenerationError.template(let message):
            return GatewayError.invalidRequest("The model's chat template rejected the conversation: \(message)", param: "messages")
        case let error as GenerationError:
            return ProviderError.http(status: 500, message: error.description, retryAfter: nil)
        default:
            return error
        }
    }

    static func finishReason(_ reason: GenerationFinish.Reason) -> FinishReason {
        switch reason {
        case .endOfTurn: .stop()
        case .stopSequence(let sequence): .stop(sequence: sequence)
        case .length: .length
        }
    }

    static func usage(_ finish: GenerationFinish) -> Usage {
        Usage(
            promptTokens: finish.promptTokens, completionTokens: finish.completionTokens,
            cachedPromptTokens: finish.cachedPromptTokens)
    }

    static func logprobsJSON(_ logprobs: [TokenLogprob]) -> JSON {
        func bytes(_ values: [UInt8]) -> JSON { .array(values.map { JSON(Int($0)) }) }
        return [
            "content": .array(
                logprobs.map { item in
                    [
                        "token": .string(item.token), "logprob": JSON(Double(item.logprob)), "bytes": bytes(item.bytes),
                        "top_logprobs": .array(
                            item.top.map { alternative in
                                [
                                    "token": .string(alternative.token), "logprob": JSON(Double(alternative.logprob)),
                                    "bytes": bytes(alternative.bytes),
                                ]
                            }),
                    ]
                }),
            "refusal": .null,
        ]
    }

    static func makeID() -> String {
        "chatcmpl-local-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// The file name without its extension: what `model` says in answers.
    static func modelName(_ path: String) -> String {
        let file = (path as NSString).lastPathComponent
        return file.hasSuffix(".gguf") ? String(file.dropLast(5)) : file
    }
}

extension LocalModelProvider: EmbeddingProvider {
    /// Embeds with the in-process BERT engine; `dimensions` is accepted only as the model's own
    /// size (these models cannot shorten their vectors).
    package func embed(_ request: EmbeddingRequest) async throws -> EmbeddingResponse {
        guard let embedder = embedders[request.model] else {
            if models[request.model] != nil { throw ProviderError.unsupported("\(request.model) is a chat model, not an embedding model") }
            let reason = failures[request.model] ?? "not loaded"
            throw ProviderError.http(status: 503, message: "the local model \(request.model) is unavailable: \(reason)", retryAfter: nil)
        }
        try checkPin(request.model)
        if let dimensions = request.dimensions, dimensions != embedder.dimensions {
            throw GatewayError.invalidRequest(
                "This model's vectors have \(embedder.dimensions) dimensions and cannot be shortened; 'dimensions' must be "
                    + "\(embedder.dimensions) or absent.", param: "dimensions")
        }
        // The encoder is synchronous and CPU-bound: run it off the cooperative pool's threads.
        let batch: EmbeddingBatch = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    switch request.input {
                    case .texts(let texts): continuation.resume(returning: try embedder.embedWithUsage(texts))
                    case .tokens(let ids): continuation.resume(returning: try embedder.embedWithUsage(tokenIDs: ids))
                    }
                } catch {
                    continuation.resume(throwing: GatewayError.invalidRequest("The input cannot be embedded: \(error)", param: "input"))
                }
            }
        }
        return EmbeddingResponse(model: Self.modelName(request.model), vectors: batch.vectors, promptTokens: batch.totalTokens)
    }
}
