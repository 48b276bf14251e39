import AjarCore
import AjarGateway
import HTTPTypes
import Hummingbird

/// Finds the caller of every API request from its key (`Authorization: Bearer KEY`, or
/// Anthropic's `x-api-key`) and puts the principal in the context. Once keys are required a
/// request without a valid key gets 401 in its dialect's format. `/health` needs no key; the
/// admin API checks the admin key itself.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AjarRequestContext
    let accountant: Accountant?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let accountant, path.hasPrefix("/v1/") || (path.hasPrefix("/api/") && !path.hasPrefix("/api/admin/")) else {
            return try await next(request, context)
        }
        let key = Self.key(request)
        let digest = key.map(Accountant.digest)
        var context = context
        if accountant.isAdmin(digest: digest) {
            context.principal = Principal(app: "admin", team: "")
            return try await next(request, context)
        }
        do {
            context.principal = try await accountant.authenticate(key, digest: digest)
        } catch {
            var response = error.response(dialect: path.hasPrefix("/v1/messages") ? .anthropic : .openAI, requestID: context.requestID)
            if case .unauthorized = error { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
        return try await next(request, context)
    }

    /// The key a request presents, if any.
    static func key(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            // `Bearer KEY`, scheme case-insensitive, spaces around the key ignored; on the bytes,
            // since this runs for every request.
            let bytes = authorization.utf8
            guard bytes.count > 7 else { return nil }
            let scheme = bytes.prefix(6)
            guard scheme.elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }), bytes.dropFirst(6).first == UInt8(ascii: " ") else {
                return nil
            }
            let rest = bytes.dropFirst(7)
            guard let start = rest.firstIndex(where: { $0 != UInt8(ascii: " ") }),
                let end = rest.lastIndex(where: { $0 != UInt8(ascii: " ") })
            else { return nil }
            return String(decoding: rest[start...end], as: UTF8.self)
        }
        return request.headers[.apiKey]
    }
}
