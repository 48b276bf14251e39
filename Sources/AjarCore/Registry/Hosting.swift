/// Where a model runs, which decides where a prompt travels when that model serves it.
///
/// Set per provider in `ajar.yaml` with a `hosting:` key. A provider of type `openai`, `anthropic`
/// or `gemini` is ``vendor`` unless its config says `hosting: self-hosted`, whatever its address.
package enum Hosting: String, Codable, Sendable, Hashable, CaseIterable {
    /// In this process: the bundled CPU engine. The prompt never leaves the gateway.
    case local
    /// On a server the organisation runs (Ollama, vLLM, llama.cpp). The prompt stays in-house.
    case selfHosted = "self-hosted"
    /// Behind a third party's API. The prompt leaves the organisation.
    case vendor

    /// Whether data the policy marks `keep-local` may go to a model hosted like this.
    package var keepsDataInHouse: Bool { self != .vendor }
}
