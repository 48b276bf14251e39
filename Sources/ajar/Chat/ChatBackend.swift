import AjarCore
import Foundation

/// What came back for one turn: the answer's text (already streamed to the terminal), which
/// deployment answered, the policy decision, and the error line if the turn failed.
struct ChatAnswer: Sendable, Equatable {
    var text = ""
    /// `provider/model` of the deployment that answered (`x-ajar-deployment`).
    var deployment: String?
    /// The policy decision in one line (`x-ajar-policy`), also for refusals.
    var policy: String?
    /// One line saying what went wrong; `nil` when the answer is complete.
    var error: String?
    var usage: (prompt: Int, completion: Int)?

    static func == (lhs: ChatAnswer, rhs: ChatAnswer) -> Bool {
        lhs.text == rhs.text && lhs.deployment == rhs.deployment && lhs.policy == rhs.policy && lhs.error == rhs.error
            && lhs.usage?.prompt == rhs.usage?.prompt && lhs.usage?.completion == rhs.usage?.completion
    }
}

/// Where `ajar chat` sends a conversation: a running gateway over HTTP, or one built in-process.
protocol ChatBackend: Sendable {
    /// Where answers come from, for the banner (never includes a key).
    var place: String { get }
    /// Sends the whole conversation; `onText` receives the answer's text as it streams.
    func send(model: String, messages: [ChatMessage], onText: @Sendable (String) -> Void) async -> ChatAnswer
    /// The model to start with when `--model` is not given: the first available chat model,
    /// preferring one that runs locally.
    func defaultModel() async -> String?
    func shutdown() async
}

/// A configured model as the default-model choice sees it.
struct ChatModelEntry: Sendable, Equatable {
    var alias: String
    var available: Bool
    /// `local` / `self-hosted` / `vendor`, of the first deployment.
    var hosting: String
    /// Embedding models cannot chat.
    var embeddings: Bool

    /// The first available chat model, local ones first.
    static func pickDefault(_ entries: [ChatModelEntry]) -> String? {
        let usable = entries.filter { $0.available && !$0.embeddings }
        return (usable.first { $0.hosting == "local" } ?? usable.first)?.alias
    }
}
