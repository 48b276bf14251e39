import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import AjarServer

@Suite("The key a request presents")
struct AuthKeyParsingTests {
    static func key(authorization: String? = nil, apiKey: String? = nil) -> String? {
        var fields = HTTPFields()
        if let authorization { fields[.authorization] = authorization }
        if let apiKey, let name = HTTPField.Name("x-api-key") { fields[name] = apiKey }
        let head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/chat/completions", headerFields: fields)
        return AuthMiddleware.key(Request(head: head, body: .init(buffer: ByteBuffer())))
    }

    @Test("Bearer in any case, spaces around the key ignored; other schemes and empty keys are no key")
    func bearer() {
        #expect(Self.key(authorization: "Bearer sk-abc") == "sk-abc")
        #expect(Self.key(authorization: "bearer   sk-abc  ") == "sk-abc")
        #expect(Self.key(authorization: "BEARER sk-ü") == "sk-ü")
        #expect(Self.key(authorization: "Basic dXNlcjpwYXNz") == nil)
        #expect(Self.key(authorization: "Bearer") == nil)
        #expect(Self.key(authorization: "Bearer    ") == nil)
        #expect(Self.key(authorization: "Bearerx sk") == nil)
        #expect(Self.key(apiKey: "sk-ant") == "sk-ant")
        #expect(Self.key() == nil)
    }
}
