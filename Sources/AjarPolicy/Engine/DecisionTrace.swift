import AjarCore

/// Why the policy decided what it did, step by step, in words a person can check: what was found
/// (classes and counts, never values), which rule applied, which candidates were dropped and why.
package struct DecisionTrace: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The steps in the order they were taken.
    package var steps: [String]
    /// The data classes found, sorted.
    package var dataClasses: [DataClass]
    /// Class → action applied, for the classes found.
    package var actions: [DataClass: DataAction]
    /// The tier the request was judged under.
    package var tier: String
    /// The candidates kept, in order.
    package var allowed: [String]
    /// Dropped candidate alias → short reason code (`keep-local`, `hosting`, `openness`, …).
    package var excluded: [(alias: String, reason: String)]

    package init(tier: String) {
        self.steps = []
        self.dataClasses = []
        self.actions = [:]
        self.tier = tier
        self.allowed = []
        self.excluded = []
    }

    package mutating func add(_ step: String) {
        steps.append(step)
    }

    package var description: String { steps.joined(separator: "\n") }

    /// The compact form for the `x-ajar-policy` response header: ASCII, one line, `;`-separated.
    /// - Parameter chosen: the alias that served the request, once known.
    package func headerValue(chosen: String? = nil) -> String {
        var parts: [String] = []
        parts.append("tier=\(tier)")
        parts.append("classes=\(dataClasses.isEmpty ? "none" : dataClasses.map(\.rawValue).joined(separator: ","))")
        if !actions.isEmpty {
            let listed = actions.sorted { $0.key < $1.key }.map { "\($0.key.rawValue):\($0.value.rawValue)" }
            parts.append("actions=\(listed.joined(separator: ","))")
        }
        if let chosen { parts.append("model=\(chosen)") }
        if !allowed.isEmpty { parts.append("allowed=\(allowed.joined(separator: ","))") }
        if !excluded.isEmpty {
            parts.append("excluded=\(excluded.map { "\($0.alias):\($0.reason)" }.joined(separator: ","))")
        }
        return String(
            parts.joined(separator: "; ").unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "?" })
    }

    package static func == (lhs: DecisionTrace, rhs: DecisionTrace) -> Bool {
        lhs.steps == rhs.steps && lhs.dataClasses == rhs.dataClasses && lhs.actions == rhs.actions
            && lhs.tier == rhs.tier && lhs.allowed == rhs.allowed
            && lhs.excluded.map(\.alias) == rhs.excluded.map(\.alias)
            && lhs.excluded.map(\.reason) == rhs.excluded.map(\.reason)
    }

    private struct Exclusion: Codable {
        var alias: String
        var reason: String
    }

    private enum CodingKeys: String, CodingKey {
        case steps
        case dataClasses = "data_classes"
        case actions, tier, allowed, excluded
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        steps = try container.decode([String].self, forKey: .steps)
        dataClasses = try container.decode([DataClass].self, forKey: .dataClasses)
        let rawActions = try container.decode([String: DataAction].self, forKey: .actions)
        actions = Dictionary(uniqueKeysWithValues: rawActions.map { (DataClass($0.key), $0.value) })
        tier = try container.decode(String.self, forKey: .tier)
        allowed = try container.decode([String].self, forKey: .allowed)
        excluded = try container.decode([Exclusion].self, forKey: .excluded).map { ($0.alias, $0.reason) }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
        try container.encode(dataClasses, forKey: .dataClasses)
        try container.encode(
            Dictionary(uniqueKeysWithValues: actions.map { ($0.key.rawValue, $0.value) }), forKey: .actions)
        try container.encode(tier, forKey: .tier)
        try container.encode(allowed, forKey: .allowed)
        try container.encode(excluded.map { Exclusion(alias: $0.alias, reason: $0.reason) }, forKey: .excluded)
    }
}
