import Foundation
import Synchronization

/// One request as the fake vendor server received it, so a test can check exactly what an
/// adapter sent.
package struct RecordedRequest: Sendable, Hashable {
    /// One header line, with the name as the client wrote it.
    package struct Header: Sendable, Hashable {
        package var name: String
        package var value: String

        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `GET`, `POST`, …
    package var method: String
    /// The path including the query string, e.g. `/v1beta/models/m:streamGenerateContent?alt=sse`.
    package var path: String
    /// Headers in the order received.
    package var headers: [Header]
    /// The body bytes exactly as received.
    package var body: [UInt8]
    /// `"openai"`, `"anthropic"` or `"gemini"`: whose route the request took; `nil` for other paths.
    package var vendor: String?

    package init(method: String, path: String, headers: [Header], body: [UInt8], vendor: String?) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.vendor = vendor
    }

    /// The first value of a header, by case-insensitive name.
    package func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// The body as UTF-8 text (invalid bytes replaced).
    package var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object (with `JSONSerialization`), if it is one.
    package func bodyJSON() -> [String: Any]? {
        FakeRequestJSON.object(from: body)
    }

    /// The form served by `GET /_fake/requests`: header names lower-cased, repeated headers
    /// joined with ", ", the body as text and as base64.
    var json: FakeJSON {
        var joined: [(String, String)] = []
        for header in headers {
            let name = header.name.lowercased()
            if let index = joined.firstIndex(where: { $0.0 == name }) {
                joined[index].1 += ", " + header.value
            } else {
                joined.append((name, header.value))
            }
        }
        return [
            "method": .string(method),
            "path": .string(path),
            "vendor": .string(orNull: vendor),
            "headers": .object(joined.map { FakeJSON.Member(key: $0.0, value: .string($0.1)) }),
            "body": .string(bodyText),
            "body_base64": .string(Data(body).base64EncodedString()),
        ]
    }
}

/// State one server shares between its connections: the request log and the per-model request
/// counters behind `flaky-N`.
final class FakeVendorState: Sendable {
    let options: FakeVendorServer.Options
    private let recorded = Mutex<[RecordedRequest]>([])
    private let counters = Mutex<[String: Int]>([:])

    init(options: FakeVendorServer.Options) {
        self.options = options
    }

    func record(_ request: RecordedRequest) {
        recorded.withLock { $0.append(request) }
    }

    func recordedRequests() -> [RecordedRequest] {
        recorded.withLock { $0 }
    }

    func clearRecordedRequests() {
        recorded.withLock { $0.removeAll() }
    }

    /// Counts one more request for `key` and returns the count including it (1 for the first).
    func countRequest(for key: String) -> Int {
        counters.withLock { counts in
            let count = (counts[key] ?? 0) + 1
            counts[key] = count
            return count
        }
    }
}
