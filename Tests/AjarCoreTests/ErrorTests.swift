import AjarCore
import Testing

/// `GatewayError` (statuses, messages, Retry-After) and `ProviderError` (what may be retried).
@Suite struct ErrorTests {
    static let statuses: [(GatewayError, Int)] = [
        (.invalidRequest("bad", param: "model"), 400),
        (.unauthorized("no key"), 401),
        (.forbidden("nope", code: "policy"), 403),
        (.modelNotFound("gpt-9"), 404),
        (.notFound("no route"), 404),
        (.payloadTooLarge(limit: 1024), 413),
        (.rateLimited("slow down", retryAfter: 2), 429),
        (.budgetExceeded("spent"), 429),
        (.upstreamRejected(status: 422, message: "bad schema", deployment: "openai/gpt-4o"), 422),
        (.upstreamFailed(status: 504, message: "timed out"), 504),
        (.unavailable("busy", retryAfter: nil), 503),
        (.internalError("bug"), 500),
    ]

    @Test("each gateway error has its HTTP status", arguments: statuses)
    func status(error: GatewayError, status: Int) {
        #expect(error.status == status)
    }

    @Test("messages are the given text, or a stated sentence for model-not-found and payload-too-large")
    func messages() {
        #expect(GatewayError.invalidRequest("bad", param: nil).message == "bad")
        #expect(
            GatewayError.upstreamRejected(status: 400, message: "vendor says", deployment: "d").message == "vendor says"
        )
        #expect(
            GatewayError.modelNotFound("gpt-9").message
                == "The model 'gpt-9' does not exist or you do not have access to it.")
        #expect(
            GatewayError.payloadTooLarge(limit: 1024).message
                == "The request body is larger than the limit of 1024 bytes.")
        #expect(GatewayError.forbidden("denied", code: "c").message == "denied")
    }

    @Test("retryAfter is given only for rate limits and unavailability")
    func gatewayRetryAfter() {
        #expect(GatewayError.rateLimited("x", retryAfter: 2.5).retryAfter == 2.5)
        #expect(GatewayError.unavailable("x", retryAfter: 7).retryAfter == 7)
        #expect(GatewayError.unavailable("x", retryAfter: nil).retryAfter == nil)
        #expect(GatewayError.upstreamFailed(status: 503, message: "x").retryAfter == nil)
        #expect(GatewayError.budgetExceeded("x").retryAfter == nil)
    }

    static let retryable: [(ProviderError, Bool)] = [
        (.http(status: 400, message: "", retryAfter: nil), false),
        (.http(status: 401, message: "", retryAfter: nil), false),
        (.http(status: 403, message: "", retryAfter: nil), false),
        (.http(status: 404, message: "", retryAfter: nil), false),
        (.http(status: 408, message: "", retryAfter: nil), true),
        (.http(status: 409, message: "", retryAfter: nil), true),
        (.http(status: 413, message: "", retryAfter: nil), false),
        (.http(status: 422, message: "", retryAfter: nil), false),
        (.http(status: 429, message: "", retryAfter: 1), true),
        (.http(status: 500, message: "", retryAfter: nil), true),
        (.http(status: 502, message: "", retryAfter: nil), true),
        (.http(status: 503, message: "", retryAfter: nil), true),
        (.http(status: 504, message: "", retryAfter: nil), true),
        (.http(status: 529, message: "", retryAfter: nil), true),
        (.transport("reset"), true),
        (.timeout, true),
        (.malformedResponse("not json"), true),
        (.streamEndedEarly("cut"), true),
        (.overloaded(retryAfter: nil), true),
        (.unsupported("no audio"), false),
    ]

    @Test("isRetryable follows the table", arguments: retryable)
    func isRetryable(error: ProviderError, expected: Bool) {
        #expect(error.isRetryable == expected)
    }

    @Test("retryAfter comes from HTTP errors and overload only")
    func providerRetryAfter() {
        #expect(ProviderError.http(status: 429, message: "", retryAfter: 3).retryAfter == 3)
        #expect(ProviderError.overloaded(retryAfter: 0.5).retryAfter == 0.5)
        #expect(ProviderError.timeout.retryAfter == nil)
        #expect(ProviderError.transport("x").retryAfter == nil)
    }
}
