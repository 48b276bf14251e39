import AjarCore

/// A committed stream: the chunks read while waiting for the first output, then the rest.
package struct ChatStream: AsyncSequence {
    package typealias Element = ChatChunk

    private let buffered: [ChatChunk]
    /// The iterator that read the buffered chunks: the same one must go on (dropping an
    /// `AsyncThrowingStream` iterator may end its stream).
    private let base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator

    /// Reads `base` until its first chunk with output (text, a tool call, a finish).
    /// - Throws: ``ProviderError/streamEndedEarly(_:)`` if it ends first, or its own error.
    static func start(_ base: AsyncThrowingStream<ChatChunk, any Error>) async throws -> ChatStream {
        var iterator = base.makeAsyncIterator()
        var buffered: [ChatChunk] = []
        while let chunk = try await iterator.next() {
            buffered.append(chunk)
            if chunk.hasOutput { return ChatStream(buffered: buffered, base: iterator) }
        }
        throw ProviderError.streamEndedEarly("the stream ended before its first token")
    }

    private init(buffered: [ChatChunk], base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator) {
        self.buffered = buffered
        self.base = base
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(buffered: buffered, base: base)
    }

    package struct Iterator: AsyncIteratorProtocol {
        var buffered: [ChatChunk]
        var position = 0
        var base: AsyncThrowingStream<ChatChunk, any Error>.AsyncIterator

        package mutating func next() async throws -> ChatChunk? {
            if position < buffered.count {
                position += 1
                return buffered[position - 1]
            }
            return try await base.next()
        }
    }
}
