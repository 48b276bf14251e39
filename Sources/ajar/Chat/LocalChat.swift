import AjarCore
import AjarGateway
import AjarServer
import AjarStore
import ArgumentParser
import Foundation
import Logging

/// `ajar chat` with no server: a gateway built in-process from the configuration, as `ajar serve`
/// builds it (same providers, policy, store and accounting), called directly.
final class LocalChat: ChatBackend {
    let gateway: Gateway
    private let store: (any GatewayStore)?
    private let storeTask: Task<Void, Never>?
    private let configPath: String
    private let logger: Logger

    private init(gateway: Gateway, store: (any GatewayStore)?, storeTask: Task<Void, Never>?, configPath: String, logger: Logger) {
        self.gateway = gateway
        self.store = store
        self.storeTask = storeTask
        self.configPath = configPath
        self.logger = logger
    }

    /// Loads the configuration and opens its store; problems become one line and exit status 1.
    static func start(configPath: String) async throws -> LocalChat {
        let loaded = try ConfigFile.load(configPath)
        var logger = Logger(label: "ajar-chat")
        logger.logLevel = .error
        let opened = try await StoreAccess.accountant(loaded, serving: false, logger: logger)
        let gateway = Gateway(config: loaded, accountant: opened?.accountant)
        await StoreAccess.reportLocalFailures(gateway, accountant: opened?.accountant) { ChatTerminal.info($0) }
        return LocalChat(gateway: gateway, store: opened?.store, storeTask: opened?.task, configPath: configPath, logger: logger)
    }

    var place: String { "in-process (\(configPath))" }

    func defaultModel() async -> String? {
        let available = Dictionary(gateway.models.map { ($0.alias, $0.isAvailable) }, uniquingKeysWith: { first, _ in first })
        let entries = gateway.config.models.map { model in
            let card = gateway.cards(for: model.alias)?.first
            return ChatModelEntry(
                alias: model.alias, available: available[model.alias] ?? false, hosting: card?.hosting.rawValue ?? "vendor",
                embeddings: card?.capabilities.contains(.embeddings) ?? false)
        }
        return ChatModelEntry.pickDefault(entries)
    }

    func send(model: String, messages: [ChatMessage], onText: @Sendable (String) -> Void) async -> ChatAnswer {
        var answer = ChatAnswer()
        var request = ChatRequest(model: model, messages: messages)
        request.stream = true
        request.includeUsage = true
        let note = DecisionNote()
        do {
            let success = try await gateway.stream(request, requestID: UUID().uuidString, decision: note, logger: logger)
            answer.deployment = success.deployment.id
            answer.policy = success.policy
            for try await chunk in success.value {
                if let usage = chunk.usage { answer.usage = (usage.promptTokens, usage.completionTokens) }
                for choice in chunk.choices {
                    guard let text = choice.delta.content, !text.isEmpty else { continue }
                    answer.text += text
                    onText(text)
                }
            }
        } catch {
            answer.policy = answer.policy ?? note.header
            answer.error = Self.errorLine(error)
        }
        return answer
    }

    /// The same line a remote gateway's error body would give.
    static func errorLine(_ error: any Error) -> String {
        switch error {
        case let error as GatewayError:
            ChatWire.errorLine(
                status: error.status, error: error.openAIBody["error"] ?? .null,
                retryAfter: error.retryAfter.map { String(Int($0.rounded(.up))) })
        case let error as ProviderError:
            "error: the model's stream failed: \(CandidateRunner.summary(error))"
        default:
            "error: \(error)"
        }
    }

    func shutdown() async {
        await gateway.shutdown()
        try? await store?.close()
        storeTask?.cancel()
    }
}
