// Fake Gemini: reading `GenerateContentRequest`, `EmbedContentRequest` and
// `BatchEmbedContentsRequest` (ai.google.dev/api/generate-content, ai.google.dev/api/embeddings).

import Foundation
import Hummingbird

extension Dictionary where Key == String, Value == Any {
    /// A field by its lowerCamelCase name or its snake_case twin (Google accepts both).
    func field(_ camelCase: String) -> Any? {
        if let value = self[camelCase], !(value is NSNull) { return value }
        var snake = ""
        for character in camelCase {
            if character.isUppercase {
                snake += "_" + character.lowercased()
            } else {
                snake.append(character)
            }
        }
        if let value = self[snake], !(value is NSNull) { return value }
        return nil
    }
}

extension FakeGemini {
    static let generateFields: Set<String> = [
        "contents", "tools", "toolConfig", "tool_config", "safetySettings", "safety_settings", "systemInstruction",
        "system_instruction", "generationConfig", "generation_config", "cachedContent", "cached_content", "model",
    ]

    static let partFields = [
        "text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult",
    ]

    static func unknownField(_ name: String) -> APIError {
        let message = "Invalid JSON payload received. Unknown name \"\(name)\": Cannot find field."
        return invalid(message, details: [badRequest(message)])
    }

    static func parseGenerate(_ body: [String: Any], model: String, rawBody: [UInt8], options: FakeVendorServer.Options)
        -> Result<FakeConversation, APIError>
    {
        if options.rejectsUnknownFields, let unknown = body.keys.sorted().first(where: { !generateFields.contains($0) }) {
            return .failure(unknownField(unknown))
        }
        guard let contents = body.field("contents") as? [Any], !contents.isEmpty else {
            return .failure(invalid("* GenerateContentRequest.contents: contents is not specified\n"))
        }
        var conversation = FakeConversation(vendor: .gemini, model: model)
        conversation.rawBody = String(decoding: rawBody, as: UTF8.self)
        for (index, element) in contents.enumerated() {
            guard let content = element as? [String: Any] else {
                return .failure(invalid("* GenerateContentRequest.contents[\(index)]: must be an object\n"))
            }
            let role = content.string("role")
            if let role, role != "user", role != "model" {
                return .failure(invalid("Please use a valid role: user, model."))
            }
            if role == nil, contents.count > 1 {
                return .failure(invalid("Please use a valid role: user, model."))
            }
            guard let parts = content.field("parts") as? [Any], !parts.isEmpty else {
                return .failure(
                    invalid("* GenerateContentRequest.contents[\(index)].parts: contents.parts must not be empty.\n")
                )
            }
            var texts: [String] = []
            var results: [String] = []
            for (partIndex, element) in parts.enumerated() {
                let part = element as? [String: Any] ?? [:]
                guard partFields.contains(where: { part.field($0) != nil }) else {
                    return .failure(
                        invalid(
                            "* GenerateContentRequest.contents[\(index)].parts[\(partIndex)].data: required oneof "
                                + "field 'data' must have one initialized field\n"
                        )
                    )
                }
                if let text = part.string("text") { texts.append(text) }
                if let call = part.field("functionCall") as? [String: Any] {
                    conversation.promptTokens += FakeAnswer.wordCount(FakeRequestJSON.text(of: call["args"] ?? [String: Any]()))
                }
                if let response = part.field("functionResponse") as? [String: Any] {
                    guard response.string("name") != nil else {
                        return .failure(
                            invalid(
                                "* GenerateContentRequest.contents[\(index)].parts[\(partIndex)].function_response.name: "
                                    + "Name cannot be empty.\n"
                            )
                        )
                    }
                    results.append(FakeRequestJSON.text(of: response["response"] ?? [String: Any]()))
                }
            }
            let text = texts.joined(separator: " ")
            conversation.promptTokens += FakeAnswer.wordCount(text) + results.reduce(0) { $0 + FakeAnswer.wordCount($1) }
            if (role ?? "user") == "user" {
                if results.isEmpty {
                    conversation.lastUserText = text
                    conversation.toolResultText = nil
                } else {
                    conversation.toolResultText = results.joined(separator: " ")
                }
            } else {
                conversation.toolResultText = nil
            }
        }
        if let system = body.field("systemInstruction") as? [String: Any] {
            let parts = system.field("parts") as? [[String: Any]] ?? []
            conversation.promptTokens += parts.reduce(0) { $0 + FakeAnswer.wordCount($1.string("text") ?? "") }
        }
        if let error = readConfig(body, into: &conversation) { return .failure(error) }
        return .success(conversation)
    }

    private static func readConfig(_ body: [String: Any], into conversation: inout FakeConversation) -> APIError? {
        if let config = body.field("generationConfig") as? [String: Any] {
            if let limit = config.field("maxOutputTokens") {
                guard let limit = limit as? Int, limit >= 1 else {
                    return invalid("* GenerationConfig.max_output_tokens: must be a positive integer\n")
                }
                conversation.maxTokens = limit
            }
            if let stops = config.field("stopSequences") {
                guard let stops = stops as? [String], stops.count <= 5 else {
                    return invalid("* GenerationConfig.stop_sequences: at most 5 stop sequences are allowed\n")
                }
                conversation.stopSequences = stops
            }
            if (config.field("responseMimeType") as? String) == "application/json" { conversation.wantsJSON = true }
        }
        for tool in body.field("tools") as? [[String: Any]] ?? [] {
            for declaration in tool.field("functionDeclarations") as? [[String: Any]] ?? [] {
                guard let name = declaration.string("name"), !name.isEmpty else {
                    return invalid("* GenerateContentRequest.tools[0].function_declarations[0].name: Name cannot be empty.\n")
                }
                conversation.toolNames.append(name)
            }
        }
        let calling = (body.field("toolConfig") as? [String: Any])?.field("functionCallingConfig") as? [String: Any]
        if let calling {
            let allowed = calling.field("allowedFunctionNames") as? [String] ?? []
            switch calling.string("mode") {
            case "NONE": conversation.toolChoice = .none
            case "ANY": conversation.toolChoice = allowed.count == 1 ? .named(allowed[0]) : .required
            default: conversation.toolChoice = .auto
            }
        }
        return nil
    }

    // MARK: - Embeddings

    static func embed(_ call: FakeCall, body: [String: Any], model: String, isBatch: Bool) async -> Response {
        var texts: [String] = []
        var dimensions: [Int] = []
        let requests: [[String: Any]]
        if isBatch {
            guard let batch = body.field("requests") as? [[String: Any]], !batch.isEmpty else {
                return invalid("* BatchEmbedContentsRequest.requests: requests is not specified\n").response
            }
            requests = batch
        } else {
            requests = [body]
        }
        let name = isBatch ? "BatchEmbedContentsRequest.requests" : "EmbedContentRequest"
        for (index, request) in requests.enumerated() {
            let path = isBatch ? "\(name)[\(index)]" : name
            if isBatch, let requestModel = request.string("model"), requestModel != "models/" + model {
                return invalid(
                    "* \(path).model: the model in the request (\(requestModel)) must match the model in the URL "
                        + "(models/\(model)).\n"
                ).response
            }
            guard let content = request.field("content") as? [String: Any] else {
                return invalid("* \(path).content: content is not specified\n").response
            }
            let parts = content.field("parts") as? [[String: Any]] ?? []
            let text = parts.compactMap { $0.string("text") }.joined(separator: " ")
            guard !text.isEmpty else { return invalid("* \(path).content.parts: must contain text\n").response }
            texts.append(text)
            dimensions.append(request.field("outputDimensionality") as? Int ?? call.options.embeddingDimensions)
        }
        let scenario = Scenario(model: model)
        if let response = await prelude(call, scenario: scenario, model: model, isStream: false) { return response }
        let embeddings: [FakeJSON] = zip(texts, dimensions).map { text, size in
            ["values": .array(FakeEmbedding.vector(for: text, dimensions: min(max(size, 1), 8192)).map { .float($0) })]
        }
        let answer: FakeJSON = isBatch ? ["embeddings": .array(embeddings)] : ["embedding": embeddings[0]]
        return FakeHTTP.json(answer, headers: [("content-type", "application/json; charset=UTF-8")])
    }
}
