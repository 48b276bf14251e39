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
        var context = context
        if accountant.isAdmin(key) {
            context.principal = Principal(app: "admin", team: "")
            return try await next(request, context)
        }
        do {
            context.principal = try await accountant.authenticate(key)
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
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return nil
        }
        return request.headers[.apiKey]
    }
}
