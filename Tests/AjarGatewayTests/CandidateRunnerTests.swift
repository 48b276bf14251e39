import AjarCore
import Testing

@testable import AjarGateway

/// Retry, backoff, fallback and breakers, with scripted providers and a sleep that only records.
@Suite struct CandidateRunnerTests {
    struct Harness {
        let retry: RetryConfig
        let clock: ManualClock
        let breakers: CircuitBreakers
        let sleeper = SleepRecorder()

        init(retry: RetryConfig = Fixtures.retry(), threshold: Int = 5, cooldown: Double = 30) {
            let clock = ManualClock()
            self.retry = retry
            self.clock = clock
            self.breakers = Fixtures.breakers(threshold: threshold, cooldown: cooldown, clock: clock)
        }

        var runner: CandidateRunner { CandidateRunner(retry: retry, breakers: breakers, sleep: sleeper.sleep) }

        func run(_ providers: [ScriptedProvider]) async throws -> CandidateRunner.Success<ChatResponse> {
            try await runner.run(providers.map { Fixtures.deployment($0) }, logger: Fixtures.logger) { deployment in
                try await deployment.provider.complete(Fixtures.request)
            }
        }
    }

    // MARK: - Success, retry, fallback

    @Test("answers from the first deployment when it works, without sleeping")
    func firstWorks() async throws {
        let harness = Harness()
        let a = ScriptedProvider("a", [.answer("from a")])
        let b = ScriptedProvider("b")
        let success = try await harness.run([a, b])
        #expect(success.value.choices.first?.message.text == "from a")
        #expect(success.deployment.id == "a/m")
        #expect(success.attempts == [Attempt(deployment: "a/m", outcome: .success)])
        #expect(b.calls == 0)
        #expect(harness.sleeper.recorded.isEmpty)
    }

    @Test("retries a retryable failure on the same deployment")
    func retriesSameDeployment() async throws {
        let harness = Harness()
        let a = ScriptedProvider("a", [Fixtures.http(500), .answer("second try")])
        let success = try await harness.run([a])
        #expect(success.value.choices.first?.message.text == "second try")
        #expect(a.calls == 2)
        #expect(
            success.attempts == [
                Attempt(deployment: "a/m", outcome: .failed("HTTP 500")), Attempt(deployment: "a/m", outcome: .success),
            ])
        #expect(harness.sleeper.recorded.count == 1)
    }

    static let retryable: [ProviderError] = [
        .http(status: 500, message: "", retryAfter: nil), .http(status: 502, message: "", retryAfter: nil),
        .http(status: 408, message: "", retryAfter: nil), .http(status: 409, message: "", retryAfter: nil),
        .transport("reset"), .timeout, .malformedResponse("garbage"), .streamEndedEarly("cut"),
        .overloaded(retryAfter: nil),
    ]

    @Test("retries each retryable failure up to `attempts` times per deployment, then falls back", arguments: retryable)
    func retriesThenFallsBack(error: ProviderError) async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 3))
        let a = ScriptedProvider("a", Array(repeating: .fail(error), count: 3))
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 3)
        #expect(b.calls == 1)
        #expect(success.deployment.id == "b/m")
        let failed = Attempt(deployment: "a/m", outcome: .failed(CandidateRunner.summary(error)))
        #expect(success.attempts == [failed, failed, failed, Attempt(deployment: "b/m", outcome: .success)])
        // Sleeps only between attempts on one deployment, never before the next deployment.
        #expect(harness.sleeper.recorded.count == 2)
    }

    @Test("attempts: 1 means no retry")
    func noRetry() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 1))
        let a = ScriptedProvider("a", [Fixtures.http(503)])
        let b = ScriptedProvider("b")
        _ = try await harness.run([a, b])
        #expect(a.calls == 1 && b.calls == 1)
        #expect(harness.sleeper.recorded.isEmpty)
    }

    @Test(
        "a client-fault 4xx is returned at once with its status: no retry, no fallback",
        arguments: [400, 413, 422])
    func clientFault(status: Int) async throws {
        let harness = Harness(threshold: 1)
        let a = ScriptedProvider("a", [Fixtures.http(status)])
        let b = ScriptedProvider("b")
        let error = await #expect(throws: GatewayError.self) { try await harness.run([a, b]) }
        #expect(error == .upstreamRejected(status: status, message: "vendor says \(status)", deployment: "a/m"))
        #expect(error?.status == status)
        #expect(a.calls == 1 && b.calls == 0)
        #expect(harness.sleeper.recorded.isEmpty)
        // The request was at fault, not the deployment: its breaker does not count it.
        #expect(harness.breakers.state("a/m") == "closed")
    }

    @Test("401, 403 and 404 move to the next deployment without retrying the same", arguments: [401, 403, 404])
    func deploymentFault(status: Int) async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 3))
        let a = ScriptedProvider("a", [Fixtures.http(status), Fixtures.http(status), Fixtures.http(status)])
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 1)
        #expect(success.deployment.id == "b/m")
        #expect(
            success.attempts == [
                Attempt(deployment: "a/m", outcome: .failed("HTTP \(status)")),
                Attempt(deployment: "b/m", outcome: .success),
            ])
        #expect(harness.sleeper.recorded.isEmpty)
    }

    @Test("a provider's GatewayError passes through untouched, with no fallback")
    func gatewayErrorPassesThrough() async throws {
        let harness = Harness()
        let a = ScriptedProvider("a", [.fail(GatewayError.invalidRequest("no", param: "tools"))])
        let b = ScriptedProvider("b")
        let error = await #expect(throws: GatewayError.self) { try await harness.run([a, b]) }
        #expect(error == .invalidRequest("no", param: "tools"))
        #expect(b.calls == 0)
    }

    // MARK: - Retry-After and backoff

    @Test("Retry-After is honoured: the delay is at least what the upstream asked for")
    func retryAfterHonoured() async throws {
        let harness = Harness(retry: Fixtures.retry(initial: 0.01))
        let a = ScriptedProvider("a", [Fixtures.http(429, retryAfter: 2), .answer("ok")])
        let success = try await harness.run([a])
        #expect(success.deployment.id == "a/m")
        #expect(harness.sleeper.recorded.count == 1)
        #expect(harness.sleeper.recorded.allSatisfy { $0 >= 2 })
    }

    @Test("a Retry-After above max_retry_after skips to the next deployment without sleeping")
    func retryAfterTooLong() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 3, maxRetryAfter: 30))
        let a = ScriptedProvider("a", [Fixtures.http(429, retryAfter: 120), .answer("too late")])
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 1)
        #expect(success.deployment.id == "b/m")
        #expect(harness.sleeper.recorded.isEmpty)
    }

    @Test("a backoff longer than Retry-After wins over it")
    func backoffBeatsShortRetryAfter() {
        let runner = Harness(retry: Fixtures.retry(initial: 4)).runner
        #expect(runner.backoff(attempt: 1, retryAfter: 1, random: 1) == 4)
        #expect(runner.backoff(attempt: 1, retryAfter: 30, random: 1) == 30)
        #expect(runner.backoff(attempt: 1, retryAfter: 30.5, random: 1) == nil)
    }

    @Test("backoff doubles per attempt and is capped at max_backoff", arguments: [1.0, 0.5, 0.75])
    func exponentialBackoff(random: Double) {
        let runner = Harness(retry: Fixtures.retry(initial: 0.25, max: 2)).runner
        let delays = (1...8).map { runner.backoff(attempt: $0, retryAfter: nil, random: random) }
        let bases = [0.25, 0.5, 1, 2, 2, 2, 2, 2]
        #expect(delays == bases.map { $0 * random })
        #expect(runner.backoff(attempt: 10_000, retryAfter: nil, random: random) == 2 * random)
    }

    @Test("jitter keeps every delay within [0.5, 1] × the exponential base, and varies")
    func jitter() {
        let runner = Harness(retry: Fixtures.retry(initial: 1, max: 100)).runner
        for attempt in 1...4 {
            let base = Double(1 << (attempt - 1))
            let delays = (0..<500).compactMap { _ in runner.backoff(attempt: attempt, retryAfter: nil) }
            #expect(delays.count == 500)
            #expect(delays.allSatisfy { $0 >= 0.5 * base && $0 <= base }, "attempt \(attempt)")
            #expect(Set(delays).count > 100, "attempt \(attempt): no jitter")
        }
    }

    @Test("the recorded delays of a run grow exponentially, within the jitter band")
    func runDelaysGrow() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 5, initial: 0.1, max: 0.5))
        let a = ScriptedProvider("a", Array(repeating: Fixtures.http(500), count: 4) + [.answer("finally")])
        _ = try await harness.run([a])
        let delays = harness.sleeper.recorded
        let bases = [0.1, 0.2, 0.4, 0.5]
        #expect(delays.count == 4)
        for (delay, base) in zip(delays, bases) {
            #expect(delay >= 0.5 * base && delay <= base, "\(delay) for base \(base)")
        }
    }

    // MARK: - When everything fails

    /// (behaviour, failure of a, failure of b, expected status, expected retryAfter)
    static let finalErrors: [(String, ProviderError, ProviderError, Int, Double?)] = [
        ("all timeouts", .timeout, .timeout, 504, nil),
        ("timeout and 500", .timeout, .http(status: 500, message: "", retryAfter: nil), 502, nil),
        (
            "500 and 502", .http(status: 500, message: "", retryAfter: nil),
            .http(status: 502, message: "", retryAfter: nil), 502, nil
        ),
        ("transport and malformed", .transport("reset"), .malformedResponse("x"), 502, nil),
        (
            "a 429 with Retry-After", .http(status: 500, message: "", retryAfter: nil),
            .http(status: 429, message: "", retryAfter: 3), 503, 3
        ),
        ("a 503 without Retry-After", .http(status: 503, message: "", retryAfter: nil), .timeout, 503, 1),
        (
            "a 529 (Anthropic overloaded)", .http(status: 529, message: "", retryAfter: nil),
            .http(status: 500, message: "", retryAfter: nil), 503, 1
        ),
        ("an overloaded local engine", .overloaded(retryAfter: 2), .timeout, 503, 2),
        (
            "two 429s: the shorter wait", .http(status: 429, message: "", retryAfter: 9),
            .http(status: 429, message: "", retryAfter: 4), 503, 4
        ),
        (
            "deployment faults", .http(status: 401, message: "", retryAfter: nil),
            .http(status: 404, message: "", retryAfter: nil), 502, nil
        ),
    ]

    @Test("when every deployment fails, the status is chosen from the failures", arguments: finalErrors)
    func finalError(behaviour: String, a: ProviderError, b: ProviderError, status: Int, retryAfter: Double?)
        async throws
    {
        let harness = Harness(retry: Fixtures.retry(attempts: 1))
        let error = await #expect(throws: GatewayError.self) {
            try await harness.run([ScriptedProvider("a", [.fail(a)]), ScriptedProvider("b", [.fail(b)])])
        }
        #expect(error?.status == status, "\(behaviour)")
        #expect(error?.retryAfter == retryAfter, "\(behaviour)")
        if status == 503 {
            guard case .unavailable = error else {
                Issue.record("\(behaviour): expected .unavailable, got \(String(describing: error))")
                return
            }
        } else {
            guard case .upstreamFailed = error else {
                Issue.record("\(behaviour): expected .upstreamFailed, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("the final error lists what was tried, and no vendor message")
    func finalErrorMessage() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 1))
        let error = await #expect(throws: GatewayError.self) {
            try await harness.run([
                ScriptedProvider("a", [Fixtures.http(500)]), ScriptedProvider("b", [.fail(ProviderError.timeout)]),
            ])
        }
        #expect(error?.message == "Every deployment failed (a/m: HTTP 500; b/m: timeout).")
    }

    // MARK: - Breakers

    @Test("an open breaker skips its deployment and records the skip")
    func openBreakerSkips() async throws {
        let harness = Harness(threshold: 1)
        harness.breakers.recordFailure("a/m")
        let a = ScriptedProvider("a")
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 0)
        #expect(
            success.attempts == [
                Attempt(deployment: "a/m", outcome: .skippedOpenBreaker), Attempt(deployment: "b/m", outcome: .success),
            ])
    }

    @Test("when every breaker is open the answer is 503 with a Retry-After, and nothing is called")
    func allOpen() async throws {
        let harness = Harness(threshold: 1)
        harness.breakers.recordFailure("a/m")
        harness.breakers.recordFailure("b/m")
        let a = ScriptedProvider("a")
        let b = ScriptedProvider("b")
        let error = await #expect(throws: GatewayError.self) { try await harness.run([a, b]) }
        #expect(error?.status == 503)
        #expect(error?.retryAfter != nil)
        guard case .unavailable = error else {
            Issue.record("expected .unavailable, got \(String(describing: error))")
            return
        }
        #expect(a.calls + b.calls == 0)
    }

    @Test(
        "failures open the breaker, so the next request skips the deployment; after the cooldown one probe goes through"
    )
    func breakerAcrossRequests() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 2), threshold: 2, cooldown: 30)
        let a = ScriptedProvider("a", [Fixtures.http(500), Fixtures.http(500), .answer("a is back")])
        let b = ScriptedProvider("b")
        _ = try await harness.run([a, b])
        #expect(harness.breakers.state("a/m") == "open")
        let second = try await harness.run([a, b])
        #expect(second.attempts.first == Attempt(deployment: "a/m", outcome: .skippedOpenBreaker))
        #expect(a.calls == 2)
        harness.clock.advance(by: 30)
        let third = try await harness.run([a, b])
        #expect(third.deployment.id == "a/m")
        #expect(harness.breakers.state("a/m") == "closed")
    }

    @Test("a breaker that opens during retries moves on to the next deployment")
    func breakerOpensMidRetry() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 5), threshold: 1)
        let a = ScriptedProvider("a", Array(repeating: Fixtures.http(500), count: 5))
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 1)
        #expect(success.deployment.id == "b/m")
    }

    @Test("a failed half-open probe reopens the breaker and falls back")
    func failedProbe() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 2), threshold: 1, cooldown: 10)
        harness.breakers.recordFailure("a/m")
        harness.clock.advance(by: 10)
        let a = ScriptedProvider("a", [Fixtures.http(500), .answer("would be a retry")])
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 1)
        #expect(success.deployment.id == "b/m")
        #expect(harness.breakers.state("a/m") == "open")
    }

    // MARK: - Unsupported

    @Test("unsupported moves on to the next deployment without retrying")
    func unsupportedMovesOn() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 3))
        let a = ScriptedProvider("a", [.fail(ProviderError.unsupported("n > 1"))])
        let b = ScriptedProvider("b", [.answer("from b")])
        let success = try await harness.run([a, b])
        #expect(a.calls == 1)
        #expect(
            success.attempts == [
                Attempt(deployment: "a/m", outcome: .unsupported("n > 1")),
                Attempt(deployment: "b/m", outcome: .success),
            ])
        #expect(harness.sleeper.recorded.isEmpty)
    }

    @Test("if every deployment is unsupported the answer is 400 naming why")
    func allUnsupported() async throws {
        let harness = Harness()
        let error = await #expect(throws: GatewayError.self) {
            try await harness.run([
                ScriptedProvider("a", [.fail(ProviderError.unsupported("no audio"))]),
                ScriptedProvider("b", [.fail(ProviderError.unsupported("no n"))]),
            ])
        }
        #expect(error?.status == 400)
        #expect(error?.message == "No deployment of this model supports the request: a/m: no audio; b/m: no n.")
    }

    @Test("unsupported plus an open breaker is 503, not 400 (the open one might have served it)")
    func unsupportedAndOpen() async throws {
        let harness = Harness(threshold: 1)
        harness.breakers.recordFailure("b/m")
        let error = await #expect(throws: GatewayError.self) {
            try await harness.run([
                ScriptedProvider("a", [.fail(ProviderError.unsupported("no audio"))]), ScriptedProvider("b"),
            ])
        }
        #expect(error?.status == 503)
    }

    @Test("unsupported plus a real failure reports the failure")
    func unsupportedAndFailure() async throws {
        let harness = Harness(retry: Fixtures.retry(attempts: 1))
        let error = await #expect(throws: GatewayError.self) {
            try await harness.run([
                ScriptedProvider("a", [.fail(ProviderError.unsupported("no audio"))]),
                ScriptedProvider("b", [.fail(ProviderError.timeout)]),
            ])
        }
        #expect(error?.status == 504)
    }

    // MARK: - Cancellation

    @Test("a cancelled caller gets CancellationError and no provider is called")
    func cancelledBeforeStart() async throws {
        let harness = Harness()
        let a = ScriptedProvider("a")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await harness.run([a]).deployment.id
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(a.calls == 0)
    }

    @Test("cancellation during a call propagates as CancellationError, without falling back")
    func cancelledDuringCall() async throws {
        let harness = Harness()
        let b = ScriptedProvider("b")
        let deployments = [Fixtures.deployment(ScriptedProvider("a")), Fixtures.deployment(b)]
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let task = Task {
            try await harness.runner.run(deployments, logger: Fixtures.logger) { deployment -> String in
                if deployment.id == "a/m" {
                    startedContinuation.yield()
                    try await Task.sleep(for: .seconds(60))
                }
                return deployment.id
            }.value
        }
        for await _ in started { break }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(b.calls == 0)
    }

    @Test("cancellation during a backoff sleep propagates as CancellationError")
    func cancelledDuringBackoff() async throws {
        let breakers = Fixtures.breakers()
        let runner = CandidateRunner(retry: Fixtures.retry(attempts: 3), breakers: breakers) { _ in
            throw CancellationError()
        }
        let a = ScriptedProvider("a", [Fixtures.http(500)])
        let b = ScriptedProvider("b")
        await #expect(throws: CancellationError.self) {
            try await runner.run([Fixtures.deployment(a), Fixtures.deployment(b)], logger: Fixtures.logger) {
                deployment in
                try await deployment.provider.complete(Fixtures.request)
            }
        }
        #expect(a.calls == 1 && b.calls == 0)
    }

    @Test("an abandoned (cancelled) half-open probe frees the slot for the next request")
    func cancelledProbe() async throws {
        let harness = Harness(threshold: 1, cooldown: 10)
        harness.breakers.recordFailure("a/m")
        harness.clock.advance(by: 10)
        let a = ScriptedProvider("a", [.fail(CancellationError())])
        await #expect(throws: CancellationError.self) { try await harness.run([a]) }
        #expect(harness.breakers.state("a/m") == "half-open")
        let success = try await harness.run([a])
        #expect(success.deployment.id == "a/m")
        #expect(harness.breakers.state("a/m") == "closed")
    }
}
