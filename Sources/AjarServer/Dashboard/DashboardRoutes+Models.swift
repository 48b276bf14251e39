import AjarCore
import AjarGateway
import AjarStore
import Foundation

extension DashboardRoutes {
    /// Every model as a card, open ones beside closed ones: hosting, openness record and class,
    /// provenance, prices, each deployment's circuit breaker, and today's requests and spend.
    func models(_ viewer: Viewer) async throws -> String {
        var today: [String: UsageSummary] = [:]
        var storeNote = ""
        if let accountant = gateway.accountant {
            let start = Self.startOfDay(Date())
            for row in try await accountant.store.usage(
                groupBy: .model, from: start, to: start.addingTimeInterval(86_400))
            {
                if let group = row.group { today[group] = row }
            }
        } else {
            storeNote =
                "<p class=\"notice\">No store is configured (storage: none): requests and spend are not recorded.</p>"
        }
        var open: [String] = []
        var closed: [String] = []
        let available = Dictionary(gateway.models.map { ($0.alias, $0.isAvailable) }, uniquingKeysWith: { a, _ in a })
        for model in gateway.config.models {
            let cards = gateway.cards(for: model.alias) ?? []
            let card = modelCard(
                model, cards: cards, usage: today[model.alias], isAvailable: available[model.alias] ?? false)
            if model.openness.opennessClass == .closed { closed.append(card) } else { open.append(card) }
        }
        return """
            <h1>Models</h1>\(storeNote)
            <div class="columns"><section id="open-models"><h2>Open (\(open.count))</h2><div class="cards">\(open.joined())</div></section>
            <section id="closed-models"><h2>Closed (\(closed.count))</h2><div class="cards">\(closed.joined())</div></section></div>
            """
    }

    private func modelCard(_ model: ModelConfig, cards: [ModelCard], usage: UsageSummary?, isAvailable: Bool) -> String
    {
        let openness = model.openness
        let opennessClass = openness.opennessClass.rawValue
        var deployments: [String] = []
        for (index, deployment) in model.deployments.enumerated() {
            let hosting = index < cards.count ? cards[index].hosting.rawValue : "?"
            let reason =
                gateway.config.provider(named: deployment.provider)?.disabledReason
                ?? gateway.localFailures[deployment.id]
            let health: String
            if let reason {
                health = "<span class=\"bad\">unavailable</span> (\(HTML.escape(reason)))"
            } else {
                let state = gateway.runner.breakers.state(deployment.id)
                health = "<span class=\"state-\(HTML.escape(state))\">breaker \(HTML.escape(state))</span>"
            }
            deployments.append(
                "<li><code>\(HTML.escape(deployment.id))</code> · \(HTML.escape(hosting)) · \(health)</li>")
        }
        let pricing = cards.first?.pricing ?? model.pricing
        let price =
            pricing.map { price in
                var text = "in $\(Self.decimal(price.input)) · out $\(Self.decimal(price.output))"
                if let cached = price.cachedInput { text += " · cached $\(Self.decimal(cached))" }
                return HTML.escape(text + " per million tokens")
            } ?? "<span class=\"empty\">none</span>"
        let provenance: String
        if let source = model.provenance {
            var parts: [String] = []
            if let sha = source.sha256 { parts.append("sha256 <code>\(HTML.escape(sha))</code>") }
            if let base = source.baseModel { parts.append("base \(HTML.escape(base))") }
            if let origin = source.source { parts.append("source \(HTML.escape(origin))") }
            if let revision = source.revision { parts.append("revision \(HTML.escape(revision))") }
            provenance = parts.isEmpty ? "<span class=\"empty\">none</span>" : parts.joined(separator: "<br>")
        } else {
            provenance = "<span class=\"empty\">none</span>"
        }
        let requests = usage.map { HTML.number($0.requests) } ?? "0"
        let spend = usage.map { HTML.usd($0.costMicros) } ?? "$0"
        let tokens = usage.map { HTML.number($0.tokensIn + $0.tokensOut) } ?? "0"
        return """
            <article class="card model" data-alias="\(HTML.escape(model.alias))"><h3>\(HTML.escape(model.alias)) \
            <span class="badge \(HTML.escape(opennessClass))">\(HTML.escape(opennessClass))</span>\
            \(isAvailable ? "" : " <span class=\"bad\">not available</span>")</h3>
            <dl><dt>Openness</dt><dd>weights \(HTML.escape(openness.weights.rawValue)) · code \(HTML.escape(openness.code.rawValue)) · \
            data \(HTML.escape(openness.trainingData.rawValue)) · docs \(HTML.escape(openness.documentation.rawValue)) · \
            licence \(HTML.escape(openness.licence))</dd>
            <dt>Deployments</dt><dd><ul>\(deployments.joined())</ul></dd>
            <dt>Price</dt><dd>\(price)</dd>
            <dt>Provenance</dt><dd>\(provenance)</dd>
            <dt>Today</dt><dd class="today">\(requests) requests · \(tokens) tokens · \(spend)</dd></dl></article>
            """
    }

    /// Midnight UTC of the day containing `date`.
    static func startOfDay(_ date: Date) -> Date {
        let ms = date.millisecondsSince1970
        var day = ms / 86_400_000
        if ms % 86_400_000 < 0 { day -= 1 }
        return Date(millisecondsSince1970: day * 86_400_000)
    }

    /// A price without trailing zeros (`0.15`, `10`).
    static func decimal(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
