/// A model's prices in US dollars per million tokens.
///
/// Prices are `Double`, not `Decimal`: they decode natively from YAML and JSON with every decoder
/// (Decimal's `Codable` form is decoder-specific outside `JSONDecoder`), AjarCore stays free of
/// Foundation, and catalogue prices have at most a few significant digits, far inside a Double's 15.
/// Sums that must not drift (budgets) should be kept by the store in integer micro-dollars, rounded
/// once per call from ``cost(of:)``.
package struct Pricing: Codable, Sendable, Equatable, Hashable {
    /// USD per million prompt tokens.
    package var input: Double
    /// USD per million completion tokens (reasoning tokens included).
    package var output: Double
    /// USD per million prompt tokens served from the vendor's cache; `nil` bills them as ``input``.
    package var cachedInput: Double?

    package init(input: Double, output: Double, cachedInput: Double? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
    }

    /// The cost of one call in USD.
    /// - Parameter usage: the call's token counts; cached prompt tokens are billed at ``cachedInput``.
    /// - Returns: a non-negative amount (negative counts are treated as zero).
    package func cost(of usage: Usage) -> Double {
        let cached = max(0, min(usage.cachedPromptTokens ?? 0, usage.promptTokens))
        let uncached = max(0, usage.promptTokens - cached)
        let completion = max(0, usage.completionTokens)
        let total =
            Double(uncached) * input + Double(cached) * (cachedInput ?? input) + Double(completion) * output
        return max(0, total / 1_000_000)
    }

    private enum CodingKeys: String, CodingKey {
        case input, output
        case cachedInput = "cached_input"
    }
}
