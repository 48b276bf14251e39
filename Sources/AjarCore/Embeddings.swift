/// What to embed: texts, or token ids already tokenised for the model (OpenAI's `input` shapes).
package enum EmbeddingInput: Sendable, Equatable {
    case texts([String])
    case tokens([[Int]])

    package var count: Int {
        switch self {
        case .texts(let texts): texts.count
        case .tokens(let tokens): tokens.count
        }
    }
}

/// A canonical embeddings request (`POST /v1/embeddings`).
package struct EmbeddingRequest: Sendable, Equatable {
    /// The alias, then the deployment's own model name.
    package var model: String
    package var input: EmbeddingInput
    /// Output size for models that can shorten their vectors; `nil` for the model's own.
    package var dimensions: Int?
    package var user: String?

    package init(model: String, input: EmbeddingInput, dimensions: Int? = nil, user: String? = nil) {
        self.model = model
        self.input = input
        self.dimensions = dimensions
        self.user = user
    }
}

/// Vectors in input order, and the tokens read.
package struct EmbeddingResponse: Sendable, Equatable {
    package var model: String
    package var vectors: [[Float]]
    package var promptTokens: Int

    package init(model: String, vectors: [[Float]], promptTokens: Int) {
        self.model = model
        self.vectors = vectors
        self.promptTokens = promptTokens
    }
}

/// A provider that embeds (OpenAI-compatible, Gemini, the local BERT engine).
package protocol EmbeddingProvider: Sendable {
    func embed(_ request: EmbeddingRequest) async throws -> EmbeddingResponse
}
