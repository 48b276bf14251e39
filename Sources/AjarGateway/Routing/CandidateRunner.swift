import AjarCore
import Logging

/// Runs one request against an alias's deployments in order: retries a deployment on failures
/// that may pass (with exponential backoff, jitter, and the upstream's `Retry-After`), moves on
/// to the next deployment when one is exhausted, skips deployments whose breaker is open, and
/// gives the client's own mistakes back at once.
package struct CandidateRunner: Sendable {
    package let retry: RetryConfig
    package let breakers: CircuitBreakers
    /// Sleeps for the given seconds (injectable so tests need not wait).
    package let sleep: @Sendable (Double) async throws -> Void
    /// Told of every failed upstream attempt, by deployment (metrics).
    package let onUpstreamError: @Sendable (String) -> Void

    package init(
        retry: RetryConfig, breakers: CircuitBreakers,
        sleep: @escaping @Sendable (Double) async throws -> Void = { seconds in
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        },
        onUpstreamError: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.retry = retry
        self.breakers = breakers
        self.sleep = sleep
        self.onUpstreamError = onUpstreamError
    }

    /// The result of a successful run.
    package struct Success<Value> {
        package var value: Value
        package var deployment: Deployment
        package var attempts: [Attempt]
        /// The policy decision in one line (`x-ajar-policy`), set by the gateway.
        package var policy: String? = nil
    }

    /// Calls `operation` on deployments until one succeeds.
    /// - Throws: ``GatewayError/upstreamRejected(status:message:deployment:)`` when an upstream
    ///   refused the request itself; ``GatewayError/upstreamFailed(status:message:)`` or
    ///   ``GatewayError/unavailable(_:retryAfter:)`` when every deployment failed;
    ///   `CancellationError` when the caller went away.
    package func run<Value>(
        _ deployments: [Deployment], logger: Logger,
        _ operation: (Deployment) async throws -> Value
    ) async throws -> Success<Value> {
        var attempts: [Attempt] = []
        var failures: [ProviderError] = []
        var unsupported: [String] = []
        for deployment in deployments {
            guard breakers.allowRequest(deployment.id) else {
                attempts.append(Attempt(deployment: deployment.id, outcome: .skippedOpenBreaker))
                continue
            }
            var attempt = 1
            while true {
                do {
                    try Task.checkCancellation()
                    let value = try await operation(deployment)
                    breakers.recordSuccess(deployment.id)
                    attempts.append(Attempt(deployment: deployment.id, outcome: .success))
                    return Success(value: value, deployment: deployment, attempts: attempts)
                } catch let error as ProviderError {
                    if case .unsupported(let reason) = error {
                        breakers.recordAbandoned(deployment.id)
                        attempts.append(Attempt(deployment: deployment.id, outcome: .unsupported(reason)))
                        unsupported.append("\(deployment.id): \(reason)")
                        break
                    }
                    if case .http(let status, let message, _) = error, Self.isClientFault(status) {
                        // The request itself is wrong: no other deployment will like it better.
                        breakers.recordAbandoned(deployment.id)
                        attempts.append(Attempt(deployment: deployment.id, outcome: .failed("HTTP \(status)")))
                        onUpstreamError(deployment.id)
                        throw GatewayError.upstreamRejected(status: status, message: message, deployment: deployment.id)
                    }
                    breakers.recordFailure(deployment.id)
                    failures.append(error)
                    attempts.append(Attempt(deployment: deployment.id, outcome: .failed(Self.summary(error))))
                    onUpstreamError(deployment.id)
                    logger.debug(
                        "upstream attempt failed",
                        metadata: [
                            "deployment": "\(deployment.id)", "attempt": "\(attempt)",
                            "error.type": "\(Self.summary(error))",
                        ])
                    guard error.isRetryable, attempt < retry.attempts, !Self.isDeploymentFault(error) else { break }
                    guard let delay = backoff(attempt: attempt, retryAfter: error.retryAfter) else { break }
                    try await sleep(delay)
                    guard breakers.allowRequest(deployment.id) else { break }
                    attempt += 1
                } catch is CancellationError {
                    breakers.recordAbandoned(deployment.id)
                    throw CancellationError()
                } catch {
                    breakers.recordAbandoned(deployment.id)
                    throw error
                }
            }
        }
        throw finalError(failures: failures, unsupported: unsupported, attempts: attempts)
    }

    /// Seconds to wait before retry number `attempt + 1`, or `nil` to move on to the next
    /// deployment (the upstream asked for a longer pause than ``RetryConfig/maxRetryAfter``).
    package func backoff(attempt: Int, retryAfter: Double?, random: Double = Double.random(in: 0.5...1)) -> Double? {
        let exponential = min(retry.maxBackoff, retry.initialBackoff * Double(1 << min(attempt - 1, 20)))
        let jittered = exponential * random
        guard let retryAfter else { return jittered }
        guard retryAfter <= retry.maxRetryAfter else { return nil }
        return max(retryAfter, jittered)
    }

    /// 4xx statuses that mean the request is at fault, not the deployment.
    static func isClientFault(_ status: Int) -> Bool {
        (400..<500).contains(status) && ![401, 403, 404, 408, 409, 429].contains(status)
    }

    /// Failures that retrying the same deployment cannot fix (its key or model name is wrong).
    static func isDeploymentFault(_ error: ProviderError) -> Bool {
        if case .http(let status, _, _) = error { return [401, 403, 404].contains(status) }
        return false
    }

    package static func summary(_ error: ProviderError) -> String {
        switch error {
        case .http(let status, _, _): "HTTP \(status)"
        case .transport: "connection failed"
        case .timeout: "timeout"
        case .malformedResponse: "malformed response"
        case .streamEndedEarly: "stream ended early"
        case .unsupported: "unsupported"
        case .overloaded: "overloaded"
        }
    }

    private func finalError(failures: [ProviderError], unsupported: [String], attempts: [Attempt]) -> GatewayError {
        if failures.isEmpty {
            if !unsupported.isEmpty, !attempts.contains(where: { $0.outcome == .skippedOpenBreaker }) {
                return .invalidRequest(
                    "No deployment of this model supports the request: \(unsupported.joined(separator: "; ")).")
            }
            return .unavailable(
                "Every deployment of this model is temporarily disabled after repeated failures; try again later.",
                retryAfter: breakersRetryAfter)
        }
        let tried = attempts.map { attempt -> String in
            switch attempt.outcome {
            case .success: "\(attempt.deployment): ok"
            case .failed(let reason): "\(attempt.deployment): \(reason)"
            case .skippedOpenBreaker: "\(attempt.deployment): circuit open"
            case .unsupported(let reason): "\(attempt.deployment): \(reason)"
            }
        }.joined(separator: "; ")
        let allTimeouts = failures.allSatisfy { $0 == .timeout }
        if allTimeouts {
            return .upstreamFailed(status: 504, message: "Every deployment timed out (\(tried)).")
        }
        let busy = failures.contains { error in
            switch error {
            case .http(let status, _, _): status == 429 || status == 503 || status == 529
            case .overloaded: true
            default: false
            }
        }
        if busy {
            let retryAfter = failures.compactMap(\.retryAfter).min()
            return .unavailable("Every deployment is busy or rate-limited (\(tried)).", retryAfter: retryAfter ?? 1)
        }
        return .upstreamFailed(status: 502, message: "Every deployment failed (\(tried)).")
    }

    private var breakersRetryAfter: Double { max(1, retry.initialBackoff) }
}
