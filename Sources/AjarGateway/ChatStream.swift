import AjarCore
import AjarPolicy

/// A committed stream: the chunks read while waiting for the first output, then the rest.
package struct ChatStream: AsyncSequence {
    package typealias Element = ChatChunk

    private let buffered: [ChatChunk]
    /// The iterator that read the buffered chunks: the same one must go on (dropping an
    /// `AsyncThrowingStream` iterator may end its stream).
    private let base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator

    /// Reads `base` until its first chunk with output (text, a tool call, a finish).
    /// - Throws: ``ProviderError/streamEndedEarly(_:)`` if it ends first, or its own error.
    /// - Parameter restorer: Puts pseudonymised values back into every chunk (placeholders split
    ///   across chunks included); text it still holds is released before the stream ends.
    static func start(_ base: AsyncThrowingStream<ChatChunk, any Error>, restorer: StreamRestorer? = nil) async throws -> ChatStream {
        var iterator = base.makeAsyncIterator()
        var buffered: [ChatChunk] = []
        var restorer = restorer
        while let chunk = try await iterator.next() {
            buffered.append(restorer?.restore(chunk) ?? chunk)
            if chunk.hasOutput { return ChatStream(buffered: buffered, base: iterator, restorer: restorer) }
        }
        throw ProviderError.streamEndedEarly("the stream ended before its first token")
    }

    private let restorer: StreamRestorer?
    /// Called once when the stream ends or fails, with the last usage seen and the text streamed
    /// (for accounting: the true cost, the audit record), before the consumer sees the end.
    package typealias EndHandler = @Sendable (_ usage: Usage?, _ text: String, _ error: (any Error)?) async -> Void
    private var onEnd: EndHandler?

    private init(buffered: [ChatChunk], base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator, restorer: StreamRestorer?) {
        self.buffered = buffered
        self.base = base
        self.restorer = restorer
    }

    /// The same stream, calling `handler` once at its end.
    package func onEnd(_ handler: @escaping EndHandler) -> ChatStream {
        var copy = self
        copy.onEnd = handler
        return copy
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(buffered: buffered, base: base, restorer: restorer, onEnd: onEnd)
    }

    package struct Iterator: AsyncIteratorProtocol {
        var buffered: [ChatChunk]
        var position = 0
        var base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator
        var restorer: StreamRestorer?
        var onEnd: EndHandler?
        var usage: Usage?
        var text = ""

        package mutating func next() async throws -> ChatChunk? {
            let chunk: ChatChunk?
            if position < buffered.count {
                position += 1
                chunk = buffered[position - 1]
            } else {
                do {
                    chunk = try await base.next().map { restorer?.restore($0) ?? $0 }
                } catch {
                    if let onEnd {
                        self.onEnd = nil
                        await onEnd(usage, text, error)
                    }
                    throw error
                }
            }
            if let chunk {
                if let chunkUsage = chunk.usage { usage = chunkUsage }
                if onEnd != nil { for choice in chunk.choices { text += choice.delta.content ?? "" } }
                return chunk
            }
            // Text held back as a possible placeholder prefix goes out before the end.
            let held = restorer?.finish()
            restorer = nil
            if let held { return held }
            if let onEnd {
                self.onEnd = nil
                await onEnd(usage, text, nil)
            }
            return nil
        }
    }
}
