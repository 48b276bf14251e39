/// Something that answers chat requests: a remote vendor adapter or the local engine.
///
/// A provider receives a request whose ``ChatRequest/model`` is already the deployment's
/// upstream model name. It throws ``ProviderError`` for failures the candidate runner may retry
/// or fall back from, and ``GatewayError`` for requests it can never serve.
package protocol ChatProvider: Sendable {
    /// A short name for logs and headers: the provider's key in the config (`openai`).
    var name: String { get }

    /// Answers in one piece.
    func complete(_ request: ChatRequest) async throws -> ChatResponse

    /// Answers as a stream of chunks. Cancelling the consumer (or dropping the stream) cancels the
    /// upstream call. Errors, including those of the first request, surface from the iterator.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatChunk, any Error>
}
