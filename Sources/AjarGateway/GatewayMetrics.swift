import AjarCore
import AjarPolicy
import Foundation
import Metrics

/// What the gateway counts, through swift-metrics (`ajar serve` exports it in Prometheus format at
/// `/metrics`). Every name starts with `ajar_`; labels are the model alias, provider, the key's
/// app and the HTTP status — never a key, a secret or request content.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `ajar_requests_total` | counter | model, provider, app, status |
/// | `ajar_request_duration_seconds` | histogram | model, provider |
/// | `ajar_tokens_total` | counter | model, provider, direction (`input`/`output`) |
/// | `ajar_cost_usd_total` | counter | model, provider, hosting |
/// | `ajar_upstream_errors_total` | counter | deployment |
/// | `ajar_fallbacks_total` | counter | model |
/// | `ajar_policy_actions_total` | counter | data_class, action |
/// | `ajar_policy_refusals_total` | counter | app, code |
/// | `ajar_circuit_breaker_state` | gauge (0 closed, 1 half-open, 2 open) | deployment |
/// | `ajar_local_tokens_per_second` | gauge (last request) | model |
/// | `ajar_local_queue_depth` | gauge | model |
package struct GatewayMetrics: Sendable {
    let factory: any MetricsFactory

    /// - Parameter factory: where metrics go; the process-wide `MetricsSystem` by default.
    package init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory ?? MetricsSystem.factory
    }

    /// A request that reached the upstreams (answered or failed).
    func request(
        model: String, card: ModelCard?, app: String, status: Int, duration: Duration, usage: Usage?, attempts: [Attempt],
        plan: Plan?
    ) {
        let provider = card?.provider ?? "none"
        Counter(label: "ajar_requests_total", dimensions: [("model", model), ("provider", provider), ("app", app), ("status", String(status))], factory: factory)
            .increment()
        Timer(label: "ajar_request_duration_seconds", dimensions: [("model", model), ("provider", provider)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if let usage, let card {
            Counter(label: "ajar_tokens_total", dimensions: [("model", model), ("provider", provider), ("direction", "input")], factory: factory)
                .increment(by: usage.promptTokens)
            Counter(label: "ajar_tokens_total", dimensions: [("model", model), ("provider", provider), ("direction", "output")], factory: factory)
                .increment(by: usage.completionTokens)
            if let cost = card.pricing?.cost(of: usage), cost > 0 {
                FloatingPointCounter(
                    label: "ajar_cost_usd_total", dimensions: [("model", model), ("provider", provider), ("hosting", card.hosting.rawValue)],
                    factory: factory
                ).increment(by: cost)
            }
            if card.hosting == .local, usage.completionTokens > 0, duration > .zero {
                Gauge(label: "ajar_local_tokens_per_second", dimensions: [("model", model)], factory: factory)
                    .record(Double(usage.completionTokens) / (Double(duration.nanoseconds) / 1e9))
            }
        }
        if attempts.filter({ $0.outcome != .skippedOpenBreaker }).count > 1 {
            Counter(label: "ajar_fallbacks_total", dimensions: [("model", model)], factory: factory).increment()
        }
        if let plan { actions(plan.trace) }
    }

    /// A failed upstream attempt (from the candidate runner).
    func upstreamError(deployment: String) {
        Counter(label: "ajar_upstream_errors_total", dimensions: [("deployment", deployment)], factory: factory).increment()
    }

    /// A request the policy refused.
    func refusal(_ refusal: PolicyRefusal, app: String) {
        actions(refusal.trace)
        Counter(label: "ajar_policy_refusals_total", dimensions: [("app", app), ("code", refusal.code)], factory: factory).increment()
    }

    private func actions(_ trace: DecisionTrace) {
        for (dataClass, action) in trace.actions {
            Counter(label: "ajar_policy_actions_total", dimensions: [("data_class", dataClass.rawValue), ("action", action.rawValue)], factory: factory)
                .increment()
        }
    }

    /// Gauges read at scrape time: breaker state per deployment, local engine queues.
    package func sample(_ gateway: Gateway) {
        for deployment in gateway.deploymentIDs {
            let state = gateway.runner.breakers.state(deployment)
            let value: Double = state == "open" ? 2 : state == "half-open" ? 1 : 0
            Gauge(label: "ajar_circuit_breaker_state", dimensions: [("deployment", deployment)], factory: factory).record(value)
        }
        for (model, depth) in gateway.localQueueDepths {
            Gauge(label: "ajar_local_queue_depth", dimensions: [("model", model)], factory: factory).record(depth)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
