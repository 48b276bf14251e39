/// Where a model's weights come from, and the hash that pins them.
package struct Provenance: Codable, Sendable, Equatable, Hashable {
    /// Where the weights were obtained: a URL, a Hugging Face repo id, or a file path.
    package var source: String?
    /// The model this one was fine-tuned or quantised from (HF `base_model`, GGUF base model fields).
    package var baseModel: String?
    /// The upstream revision: a git commit, a tag, a vendor's model version.
    package var revision: String?
    /// Lower-case hex SHA-256 of the weights file, for local models; checked when the model loads.
    package var sha256: String?

    package init(source: String? = nil, baseModel: String? = nil, revision: String? = nil, sha256: String? = nil) {
        self.source = source
        self.baseModel = baseModel
        self.revision = revision
        self.sha256 = sha256
    }

    private enum CodingKeys: String, CodingKey {
        case source
        case baseModel = "base_model"
        case revision, sha256
    }
}
