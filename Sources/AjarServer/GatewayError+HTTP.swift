import AjarCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The API dialect a client speaks; errors are written in it.
package enum Dialect: Sendable {
    case openAI
    case anthropic
}

/// The one place where a ``GatewayError`` becomes an HTTP status and an error body.
extension GatewayError {
    /// The error as a complete response in `dialect`'s format.
    package func response(dialect: Dialect, requestID: String) -> Response {
        let body: JSON
        switch dialect {
        case .openAI: body = openAIBody
        case .anthropic: body = AnthropicDialect.errorBody(self, requestID: requestID)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.requestID] = requestID
        if let retryAfter {
            headers[.retryAfter] = String(Int(retryAfter.rounded(.up)))
        }
        if case .upstreamRejected(_, _, let deployment) = self {
            headers[.deployment] = deployment
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    /// `{"error": {"message", "type", "param", "code"}}`, with OpenAI's types and codes.
    package var openAIBody: JSON {
        let type: String
        var code: JSON = .null
        var param: JSON = .null
        switch self {
        case .invalidRequest(_, let name):
            type = "invalid_request_error"
            param = JSON(name)
        case .unauthorized:
            type = "invalid_request_error"
            code = "invalid_api_key"
        case .forbidden(_, let reason):
            type = "permission_error"
            code = .string(reason)
        case .modelNotFound:
            type = "invalid_request_error"
            code = "model_not_found"
            param = "model"
        case .notFound:
            type = "invalid_request_error"
            code = "not_found"
        case .payloadTooLarge:
            type = "invalid_request_error"
            code = "request_too_large"
        case .rateLimited:
            type = "rate_limit_error"
            code = "rate_limit_exceeded"
        case .budgetExceeded:
            type = "insufficient_quota"
            code = "insufficient_quota"
        case .upstreamRejected(let status, _, _):
            type = status == 429 ? "rate_limit_error" : "invalid_request_error"
            code = "upstream_rejected"
        case .upstreamFailed(let status, _):
            type = "server_error"
            code = status == 504 ? "upstream_timeout" : "upstream_error"
        case .unavailable:
            type = "server_error"
            code = "service_unavailable"
        case .internalError:
            type = "server_error"
        }
        return ["error": ["message": .string(message), "type": .string(type), "param": param, "code": code]]
    }
}

// Both names are valid header tokens written here as literals, so the failable init cannot fail.
extension HTTPField.Name {
    /// `x-ajar-request-id`, on every response.
    package static let requestID = Self("x-ajar-request-id")!
    /// `x-ajar-deployment`: `provider/model` of the deployment that answered.
    package static let deployment = Self("x-ajar-deployment")!
    /// The policy decision in one line: tier, data classes and actions, the model chosen.
    package static let policy = Self("x-ajar-policy")!
    /// Anthropic's key header.
    package static let apiKey = Self("x-api-key")!
}
