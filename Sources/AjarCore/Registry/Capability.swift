/// Something a model can do beyond plain chat, used to skip candidates that cannot serve a request.
package enum Capability: String, Codable, Sendable, Hashable, CaseIterable {
    /// Function calling.
    case tools
    /// Structured output constrained by a JSON schema.
    case jsonSchema = "json_schema"
    /// Image input.
    case vision
    /// An embedding model (`/v1/embeddings`).
    case embeddings
}
