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

    private init(buffered: [ChatChunk], base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator, restorer: StreamRestorer?) {
        self.buffered = buffered
        self.base = base
        self.restorer = restorer
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(buffered: buffered, base: base, restorer: restorer)
    }

    package struct Iterator: AsyncIteratorProtocol {
        var buffered: [ChatChunk]
        var position = 0
        var base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator
        var restorer: StreamRestorer?

        package mutating func next() async throws -> ChatChunk? {
            if position < buffered.count {
                position += 1
                return buffered[position - 1]
            }
            guard let chunk = try await base.next() else {
                // Text held back as a possible placeholder prefix goes out before the end.
                let held = restorer?.finish()
                restorer = nil
                return held
            }
            return restorer?.restore(chunk) ?? chunk
        }
    }
}
