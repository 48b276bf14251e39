import AjarCore
import AjarGateway
import AjarProviders
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `ajar chat` against a running gateway: OpenAI chat completions, streamed.
final class RemoteChat: ChatBackend {
    /// The gateway's root, e.g. `http://127.0.0.1:8080` (no trailing slash).
    let baseURL: String
    private let key: String?
    private let http: HTTPClient

    init(baseURL: String, key: String?) {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        if root.hasSuffix("/v1") { root.removeLast(3) }
        self.baseURL = root
        self.key = key.flatMap { $0.isEmpty ? nil : $0 }
        var configuration = HTTPClient.Configuration()
        // Local models may think for a while before the first token.
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(600))
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    var place: String { baseURL }

    func shutdown() async { try? await http.shutdown() }

    private func makeRequest(_ path: String, method: HTTPMethod = .GET) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        return request
    }

    /// Whether a gateway answers `GET /health` within a couple of seconds.
    func isReachable() async -> Bool {
        do {
            let response = try await http.execute(makeRequest("/health"), timeout: .seconds(2))
            _ = try? await response.body.collect(upTo: 1 << 16)
            return response.status.code < 500
        } catch {
            return false
        }
    }

    func defaultModel() async -> String? {
        guard let response = try? await http.execute(makeRequest("/v1/models"), timeout: .seconds(10)),
            response.status.code == 200,
            let body = try? await response.body.collect(upTo: 16 << 20),
            let json = try? JSONParser.parse(String(buffer: body)),
            let data = json["data"]?.arrayValue
        else { return nil }
        let entries = data.compactMap { model -> ChatModelEntry? in
            guard let id = model["id"]?.stringValue else { return nil }
            let ajar = model["ajar"]
            let capabilities = ajar?["card"]?["capabilities"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return ChatModelEntry(
                alias: id, available: ajar?["available"]?.boolValue ?? true, hosting: ajar?["hosting"]?.stringValue ?? "vendor",
                embeddings: capabilities.contains("embeddings"))
        }
        return ChatModelEntry.pickDefault(entries)
    }

    func send(model: String, messages: [ChatMessage], onText: @Sendable (String) -> Void) async -> ChatAnswer {
        var answer = ChatAnswer()
        var request = makeRequest("/v1/chat/completions", method: .POST)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: "text/event-stream")
        request.body = .bytes(ByteBuffer(bytes: ChatWire.requestBody(model: model, messages: messages).bytes))
        do {
            let response = try await http.execute(request, timeout: .seconds(3600))
            answer.deployment = response.headers.first(name: "x-ajar-deployment")
            answer.policy = response.headers.first(name: "x-ajar-policy")
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else {
                let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
                answer.error = ChatWire.errorLine(status: status, body: body, retryAfter: response.headers.first(name: "retry-after"))
                return answer
            }
            var parser = SSEParser()
            reading: for try await buffer in response.body {
                for event in try parser.feed(buffer.readableBytesView) {
                    switch ChatWire.event(data: event.data) {
                    case .text(let text):
                        guard !text.isEmpty else { continue }
                        answer.text += text
                        onText(text)
                    case .usage(let prompt, let completion):
                        answer.usage = (prompt, completion)
                    case .error(let line):
                        answer.error = line
                    case .done:
                        break reading
                    case .ignored:
                        continue
                    }
                }
            }
        } catch {
            answer.error = "error: the gateway at \(baseURL) failed: \(Self.describe(error))"
        }
        return answer
    }

    /// Transport failures in a few words.
    static func describe(_ error: any Error) -> String {
        switch UpstreamClient.translate(error) {
        case let error as ProviderError: CandidateRunner.summary(error)
        default: "\(error)"
        }
    }
}
