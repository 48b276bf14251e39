// Routes one request to the vendor whose path it is on. The three vendors' paths don't collide
// (OpenAI `/v1/chat/completions`, `/v1/embeddings`; Anthropic `/v1/messages`; Gemini
// `/v1beta/models/{model}:{method}`), except `GET /v1/models`, which answers in Anthropic's form
// when the caller sends `anthropic-version` or `x-api-key` and no `Authorization`.
//
// Routing is by hand rather than with Hummingbird's `Router`, because Gemini's last path segment
// is `{model}:{method}`: the whole segment is taken and split at its last colon.

import Hummingbird
import NIOCore

/// The per-request context: only the connection, so a scenario can drop it.
struct FakeVendorContext: InitializableFromSource {
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        channel = source.channel
    }
}

struct FakeVendorResponder: HTTPResponder {
    typealias Context = FakeVendorContext

    let state: FakeVendorState

    /// Where a request goes.
    private enum Route {
        case openAIChat, openAIEmbeddings, openAIModels
        case anthropicMessages, anthropicModels
        case gemini(model: String, method: FakeGemini.Method), geminiModels
        case recordedRequests, clearRecordedRequests, health
        case notFound

        var vendor: Vendor? {
            switch self {
            case .openAIChat, .openAIEmbeddings, .openAIModels: .openai
            case .anthropicMessages, .anthropicModels: .anthropic
            case .gemini, .geminiModels: .gemini
            case .recordedRequests, .clearRecordedRequests, .health, .notFound: nil
            }
        }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        let route = Self.route(method: method, path: path, headers: request.headers)
        switch route {
        case .recordedRequests:
            return FakeHTTP.json(.array(state.recordedRequests().map(\.json)))
        case .clearRecordedRequests:
            state.clearRecordedRequests()
            return Response(status: .noContent)
        case .health:
            return FakeHTTP.json(["status": "ok"])
        default:
            break
        }

        var request = request
        let body: [UInt8]
        do {
            let buffer = try await request.collectBody(upTo: state.options.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            return Self.tooLarge(route.vendor)
        }

        // The benchmark path: no recording, no parsing.
        let isBench = Self.isBench(route, body: body)
        if !isBench {
            state.record(
                RecordedRequest(
                    method: method.rawValue,
                    path: path + (request.uri.query.map { "?" + $0 } ?? ""),
                    headers: request.headers.map { .init(name: $0.name.rawName, value: $0.value) },
                    body: body,
                    vendor: route.vendor?.rawValue
                )
            )
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let call = FakeCall(
            method: method.rawValue, path: path, query: query, headers: request.headers, body: body, state: state,
            channel: context.channel
        )
        switch route {
        case .openAIChat:
            if isBench, !FakeOpenAI.isStreamRequest(body), FakeOpenAI.authenticate(call) == nil {
                return FakeOpenAI.benchResponse()
            }
            return await FakeOpenAI.chatCompletions(call)
        case .openAIEmbeddings: return await FakeOpenAI.embeddings(call)
        case .openAIModels: return FakeOpenAI.models(call)
        case .anthropicMessages: return await FakeAnthropic.messages(call)
        case .anthropicModels: return FakeAnthropic.models(call)
        case .gemini(let model, let method): return await FakeGemini.handle(call, model: model, method: method)
        case .geminiModels: return FakeGemini.models(call)
        case .notFound, .recordedRequests, .clearRecordedRequests, .health:
            return Self.notFound(method: method.rawValue, path: path, headers: request.headers)
        }
    }

    private static func route(method: HTTPRequest.Method, path: String, headers: HTTPFields) -> Route {
        switch (method, path) {
        case (.get, "/_fake/requests"): return .recordedRequests
        case (.delete, "/_fake/requests"): return .clearRecordedRequests
        case (.get, "/health"): return .health
        case (.post, "/v1/chat/completions"): return .openAIChat
        case (.post, "/v1/embeddings"): return .openAIEmbeddings
        case (.post, "/v1/messages"): return .anthropicMessages
        case (.get, "/v1/models"):
            let speaksAnthropic =
                FakeHTTP.header("anthropic-version", in: headers) != nil
                || (FakeHTTP.header("x-api-key", in: headers) != nil && headers[.authorization] == nil)
            return speaksAnthropic ? .anthropicModels : .openAIModels
        case (.get, "/v1beta/models"): return .geminiModels
        default:
            break
        }
        for prefix in ["/v1beta/models/", "/v1/models/"] where method == .post && path.hasPrefix(prefix) {
            let segment = path.dropFirst(prefix.count)
            guard let colon = segment.lastIndex(of: ":") else { return .notFound }
            let model = String(segment[..<colon])
            let name = String(segment[segment.index(after: colon)...])
            guard !model.isEmpty, !model.contains("/"), let method = FakeGemini.Method(rawValue: name) else {
                return .notFound
            }
            return .gemini(model: model.removingPercentEncoding ?? model, method: method)
        }
        return .notFound
    }

    private static func isBench(_ route: Route, body: [UInt8]) -> Bool {
        if case .openAIChat = route { return FakeOpenAI.isBenchRequest(body) }
        return false
    }

    private static func tooLarge(_ vendor: Vendor?) -> Response {
        switch vendor {
        case .anthropic: FakeAnthropic.errorBody(status: 413).response
        case .gemini: FakeGemini.errorBody(status: 413, model: "").response
        case .openai, .none:
            FakeOpenAI.APIError(status: 413, message: "Request too large.", type: "invalid_request_error").response
        }
    }

    /// Unknown paths get the 404 of the vendor they look like.
    private static func notFound(method: String, path: String, headers: HTTPFields) -> Response {
        if path.hasPrefix("/v1beta") {
            return FakeGemini.APIError(code: 404, status: "NOT_FOUND", message: "Method not found.").response
        }
        if FakeHTTP.header("anthropic-version", in: headers) != nil {
            return FakeAnthropic.APIError(status: 404, type: "not_found_error", message: "Not Found").response
        }
        return FakeOpenAI.APIError(
            status: 404, message: "Invalid URL (\(method) \(path))", type: "invalid_request_error"
        ).response
    }
}
