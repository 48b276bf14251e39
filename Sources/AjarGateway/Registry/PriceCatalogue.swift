import AjarCore
import Foundation

/// Prices, context windows and capabilities of well-known vendor models, used for a card when
/// the config gives none (a config's `price:` always wins). Matched on the deployment's upstream
/// model name by longest prefix, so `claude-3-5-haiku-latest` finds `claude-3-5-haiku`.
///
/// The data is ``PriceCatalogue/data`` below, kept as one JSON document with its source and
/// date; update it by editing that text (and the date) when vendors change their prices.
package struct PriceCatalogue: Sendable {
    package struct Entry: Codable, Sendable, Equatable {
        package var price: Pricing
        package var contextWindow: Int?
        package var capabilities: Set<Capability>

        private enum CodingKeys: String, CodingKey {
            case price
            case contextWindow = "context_window"
            case capabilities
        }
    }

    package let source: String
    package let date: String
    package let models: [String: Entry]

    private struct Document: Codable {
        var source: String
        var date: String
        var models: [String: Entry]
    }

    /// The bundled catalogue (empty if its text were ever malformed; a test keeps it valid).
    package static let bundled: PriceCatalogue = {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(data.utf8)) else {
            return PriceCatalogue(source: "", date: "", models: [:])
        }
        return PriceCatalogue(source: document.source, date: document.date, models: document.models)
    }()

    /// The entry whose name is the longest prefix of `model`, if any.
    package func entry(for model: String) -> Entry? {
        var best: (String, Entry)?
        for (name, entry) in models where model.hasPrefix(name) && name.count > (best?.0.count ?? 0) {
            best = (name, entry)
        }
        return best?.1
    }

    /// USD per million tokens; `cached_input` is the price of cache hits (OpenAI cached input,
    /// Anthropic cache reads, Gemini context caching).
    static let data = #"""
        {
          "source": "the vendors' public price pages: openai.com/api/pricing, anthropic.com/pricing#api, ai.google.dev/gemini-api/docs/pricing (standard tier, prompts up to 200k tokens)",
          "date": "2025-08-01",
          "models": {
            "gpt-4o-mini":            {"price": {"input": 0.15, "output": 0.60, "cached_input": 0.075}, "context_window": 128000, "capabilities": ["tools", "json_schema", "vision"]},
            "gpt-4o":                 {"price": {"input": 2.50, "output": 10.00, "cached_input": 1.25}, "context_window": 128000, "capabilities": ["tools", "json_schema", "vision"]},
            "gpt-4.1-nano":           {"price": {"input": 0.10, "output": 0.40, "cached_input": 0.025}, "context_window": 1047576, "capabilities": ["tools", "json_schema", "vision"]},
            "gpt-4.1-mini":           {"price": {"input": 0.40, "output": 1.60, "cached_input": 0.10}, "context_window": 1047576, "capabilities": ["tools", "json_schema", "vision"]},
            "gpt-4.1":                {"price": {"input": 2.00, "output": 8.00, "cached_input": 0.50}, "context_window": 1047576, "capabilities": ["tools", "json_schema", "vision"]},
            "o4-mini":                {"price": {"input": 1.10, "output": 4.40, "cached_input": 0.275}, "context_window": 200000, "capabilities": ["tools", "json_schema", "vision"]},
            "o3-mini":                {"price": {"input": 1.10, "output": 4.40, "cached_input": 0.55}, "context_window": 200000, "capabilities": ["tools", "json_schema"]},
            "text-embedding-3-small": {"price": {"input": 0.02, "output": 0}, "context_window": 8191, "capabilities": ["embeddings"]},
            "text-embedding-3-large": {"price": {"input": 0.13, "output": 0}, "context_window": 8191, "capabilities": ["embeddings"]},
            "claude-3-5-haiku":       {"price": {"input": 0.80, "output": 4.00, "cached_input": 0.08}, "context_window": 200000, "capabilities": ["tools", "vision"]},
            "claude-3-7-sonnet":      {"price": {"input": 3.00, "output": 15.00, "cached_input": 0.30}, "context_window": 200000, "capabilities": ["tools", "vision"]},
            "claude-sonnet-4":        {"price": {"input": 3.00, "output": 15.00, "cached_input": 0.30}, "context_window": 200000, "capabilities": ["tools", "vision"]},
            "claude-opus-4":          {"price": {"input": 15.00, "output": 75.00, "cached_input": 1.50}, "context_window": 200000, "capabilities": ["tools", "vision"]},
            "gemini-2.0-flash":       {"price": {"input": 0.10, "output": 0.40, "cached_input": 0.025}, "context_window": 1048576, "capabilities": ["tools", "json_schema", "vision"]},
            "gemini-2.5-flash":       {"price": {"input": 0.30, "output": 2.50, "cached_input": 0.075}, "context_window": 1048576, "capabilities": ["tools", "json_schema", "vision"]},
            "gemini-2.5-pro":         {"price": {"input": 1.25, "output": 10.00, "cached_input": 0.31}, "context_window": 1048576, "capabilities": ["tools", "json_schema", "vision"]},
            "text-embedding-004":     {"price": {"input": 0, "output": 0}, "context_window": 2048, "capabilities": ["embeddings"]}
          }
        }
        """#
}
