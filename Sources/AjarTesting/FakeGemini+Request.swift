// Fake Gemini: authentication, request validation, embeddings and error bodies.
//
// Error body (ai.google.dev/gemini-api/docs/troubleshooting; Google's `google.rpc.Status`):
// `{"error": {"code": 429, "message": …, "status": "RESOURCE_EXHAUSTED", "details": […]}}`.
// A wrong key is 400 INVALID_ARGUMENT with an `ErrorInfo` detail of reason `API_KEY_INVALID`
// (not 401); a missing key is 403 PERMISSION_DENIED. Field names are accepted in lowerCamelCase
// and in snake_case, as Google's JSON mapping does.

import Foundation
import Hummingbird

extension FakeGemini {
    /// A Gemini error answer.
    struct APIError: Error {
        var code: Int
        var status: String
        var message: String
        var details: [FakeJSON] = []
        var headers: [(String, String)] = []

        var body: FakeJSON {
            var error: [FakeJSON.Member] = [
                .init(key: "code", value: .int(code)),
                .init(key: "message", value: .string(message)),
                .init(key: "status", value: .string(status)),
            ]
            if !details.isEmpty { error.append(.init(key: "details", value: .array(details))) }
            return ["error": .object(error)]
        }

        var response: Response {
            FakeHTTP.json(body, status: code, headers: [("content-type", "application/json; charset=UTF-8")] + headers)
        }
    }

    static func invalid(_ message: String, details: [FakeJSON] = []) -> APIError {
        APIError(code: 400, status: "INVALID_ARGUMENT", message: message, details: details)
    }

    static func badRequest(_ description: String) -> FakeJSON {
        ["@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [["description": .string(description)]]]
    }

    /// The body a scripted `error-NNN` (or a flaky failure) answers with.
    static func errorBody(status: Int, model: String) -> APIError {
        switch status {
        case 400: return invalid("Request contains an invalid argument (scripted by the fake model '\(model)').")
        case 401:
            return APIError(
                code: 401, status: "UNAUTHENTICATED",
                message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                    + "or other valid authentication credential."
            )
        case 403:
            return APIError(
                code: 403, status: "PERMISSION_DENIED",
                message: "The caller does not have permission (scripted by the fake model '\(model)')."
            )
        case 404:
            return APIError(
                code: 404, status: "NOT_FOUND",
                message: "models/\(model) is not found for API version v1beta, or is not supported for generateContent. "
                    + "Call ListModels to see the list of available models and their supported methods."
            )
        case 429:
            return APIError(
                code: 429, status: "RESOURCE_EXHAUSTED",
                message: "You exceeded your current quota, please check your plan and billing details. For more "
                    + "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
                details: [["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"]],
                headers: [("retry-after", "1")]
            )
        case 500:
            return APIError(
                code: 500, status: "INTERNAL",
                message: "An internal error has occurred. Please retry or report in "
                    + "https://developers.generativeai.google/guide/troubleshooting"
            )
        case 503:
            return APIError(code: 503, status: "UNAVAILABLE", message: "The model is overloaded. Please try again later.")
        case 504:
            return APIError(code: 504, status: "DEADLINE_EXCEEDED", message: "Deadline expired before operation could complete.")
        case 413:
            return APIError(code: 413, status: "INVALID_ARGUMENT", message: "Request payload size exceeds the limit: 20971520 bytes.")
        default:
            let names = [409: "ABORTED", 499: "CANCELLED", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE"]
            return APIError(
                code: status, status: names[status] ?? (status < 500 ? "FAILED_PRECONDITION" : "INTERNAL"),
                message: "Scripted error \(status) from the fake model '\(model)'."
            )
        }
    }

    /// Checks `x-goog-api-key` or `?key=`; `nil` when the key is accepted.
    static func authenticate(_ call: FakeCall) -> Response? {
        let key = call.header("x-goog-api-key") ?? call.query["key"] ?? ""
        if key.isEmpty {
            return APIError(
                code: 403, status: "PERMISSION_DENIED",
                message: "Method doesn't allow unregistered callers (callers without established identity). Please use "
                    + "API Key or other form of API consumer identity to call this API."
            ).response
        }
        if let expected = call.options.geminiKey, key != expected {
            return invalid(
                "API key not valid. Please pass a valid API key.",
                details: [
                    [
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": ["service": "generativelanguage.googleapis.com"],
                    ]
                ]
            ).response
        }
        return nil
    }
}
