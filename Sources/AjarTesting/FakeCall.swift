import Foundation
import Hummingbird
import NIOCore

/// One request on its way through a fake vendor: what was received, plus the server state.
struct FakeCall: Sendable {
    var method: String
    /// Path without the query.
    var path: String
    /// Query parameters (percent-decoded).
    var query: [String: String]
    var headers: HTTPFields
    var body: [UInt8]
    var state: FakeVendorState
    /// The connection, so a scenario can drop it.
    var channel: any Channel

    var options: FakeVendorServer.Options { state.options }

    /// A header's value by case-insensitive name.
    func header(_ name: String) -> String? {
        FakeHTTP.header(name, in: headers)
    }

    /// The seed for this response's SSE cut positions: the server's seed mixed with the request.
    var splitSeed: UInt64 {
        FNV1a.hash(body, into: FNV1a.hash(path.utf8) ^ options.seed)
    }

    /// Counts this request against `flaky-N` and says whether it must still fail.
    func flakyShouldFail(vendor: Vendor, model: String, failures: Int) -> Bool {
        state.countRequest(for: "\(vendor.rawValue)/\(model)") <= failures
    }

    /// Drops the connection without writing any response (`die-before-first-token` outside a
    /// stream). The response returned afterwards cannot be written, and the server gives up on
    /// the connection.
    func dropConnection() async -> Response {
        try? await channel.close()
        return Response(status: .ok, body: ResponseBody { _ in throw FakeConnectionDrop() })
    }

    /// Waits out a `slow-MS` scenario before the response head.
    func waitBeforeHead(_ scenario: Scenario) async {
        let milliseconds = scenario.delayMilliseconds
        if milliseconds > 0 { try? await Task.sleep(for: .milliseconds(milliseconds)) }
    }
}

/// Building responses.
enum FakeHTTP {
    /// A JSON response.
    static func json(_ value: FakeJSON, status: Int = 200, headers: [(String, String)] = []) -> Response {
        let bytes = value.bytes
        var fields = self.fields(headers)
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return Response(
            status: self.status(status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// A 200 server-sent-events response.
    static func sse(_ plan: StreamPlan, contentType: String, headers: [(String, String)] = []) -> Response {
        var fields = self.fields(headers)
        fields[.contentType] = contentType
        fields[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: fields, body: SSEChunker.body(for: plan))
    }

    /// A header's value by case-insensitive name.
    static func header(_ name: String, in fields: HTTPFields) -> String? {
        guard let fieldName = HTTPFields.Element.Name(name) else { return nil }
        return fields[fieldName]
    }

    static func fields(_ pairs: [(String, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs {
            if let fieldName = HTTPFields.Element.Name(name) {
                fields.append(HTTPFields.Element(name: fieldName, value: value))
            }
        }
        return fields
    }

    /// A status from a code; codes outside 100...599 become 500.
    static func status(_ code: Int) -> HTTPResponse.Status {
        (100...599).contains(code) ? HTTPResponse.Status(code: code) : .internalServerError
    }

    /// A random identifier suffix of `count` characters from `alphabet`.
    static func randomID(_ count: Int, alphabet: String = "abcdefghijklmnopqrstuvwxyz0123456789") -> String {
        let characters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in characters[Int(generator.next() % UInt64(characters.count))] })
    }

    /// Seconds since 1970, as vendors put in `created`.
    static var now: Int { Int(Date().timeIntervalSince1970) }
}
