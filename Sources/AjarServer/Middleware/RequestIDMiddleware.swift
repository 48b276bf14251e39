import AjarCore
import HTTPTypes
import Hummingbird

/// Stamps `x-ajar-request-id` on every response, and turns anything a route threw (an unknown
/// path, a method not allowed) into an error in the OpenAI dialect's format.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AjarRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = context.requestID
            return response
        } catch let error as any HTTPResponseError {
            let gatewayError: GatewayError =
                error.status == .notFound
                ? .notFound("Unknown request URL: \(request.method) \(request.uri.path).")
                : .invalidRequest("The request could not be handled: HTTP \(error.status.code).")
            var response = gatewayError.response(dialect: .openAI, requestID: context.requestID)
            if error.status.code != 404 { response.status = error.status }
            return response
        } catch {
            return GatewayError.internalError("An internal error occurred.").response(dialect: .openAI, requestID: context.requestID)
        }
    }
}
