import Foundation
import Yams

/// A node of the configuration document with the key path that led to it, so every read can
/// fail with an error naming that path and the node's line. Scalars have `${ENV}` references
/// expanded (see ``EnvironmentExpander``).
struct YAMLValue {
    let node: Node?
    let path: String
    let environment: [String: String]
    /// Line of the enclosing key, for values that are absent.
    let fallbackLine: Int?

    var line: Int? { node?.mark.map { $0.line } ?? fallbackLine }
    var isNull: Bool {
        guard let node else { return true }
        if case .scalar(let scalar) = node, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return true
        }
        return false
    }

    func error(_ message: String) -> ConfigError {
        ConfigError(path: path, line: line, message: message)
    }

    /// The entries of a mapping, in file order. Keys outside `allowed` are an error (a typo must not
    /// silently fall back to a default).
    func mapping(allowed: Set<String>? = nil) throws(ConfigError) -> [(key: String, value: YAMLValue)] {
        if isNull { return [] }
        guard let node, case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values") }
        var entries: [(String, YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else {
                throw ConfigError(path: path, line: keyNode.mark?.line, message: "keys must be strings")
            }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            if let allowed, !allowed.contains(key) {
                let hint = Self.closest(to: key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw ConfigError(
                    path: childPath, line: keyNode.mark?.line,
                    message: "unknown key '\(key)'\(hint); known keys: \(allowed.sorted().joined(separator: ", "))")
            }
            entries.append(
                (key, YAMLValue(node: valueNode, path: childPath, environment: environment, fallbackLine: keyNode.mark?.line)))
        }
        return entries
    }

    /// The value at `key` of a mapping (absent keys give a null value carrying the mapping's line).
    func child(_ key: String, in entries: [(key: String, value: YAMLValue)]) -> YAMLValue {
        entries.first { $0.key == key }?.value
            ?? YAMLValue(node: nil, path: path.isEmpty ? key : "\(path).\(key)", environment: environment, fallbackLine: line)
    }

    func sequence() throws(ConfigError) -> [YAMLValue] {
        if isNull { return [] }
        guard let node, case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, child in
            YAMLValue(node: child, path: "\(path)[\(index)]", environment: environment, fallbackLine: line)
        }
    }

    /// The scalar as written, `${ENV}` expanded; `nil` when absent or null.
    /// - Parameter missing: receives each referenced variable that is not set.
    func string(missing: ((String) -> Void)? = nil) throws(ConfigError) -> String? {
        if isNull { return nil }
        guard let node, case .scalar(let scalar) = node else { throw error("expected a single value, not a list or mapping") }
        var unset: [String] = []
        let expanded = EnvironmentExpander.expand(scalar.string, environment: environment) { unset.append($0) }
        if let missing {
            unset.forEach(missing)
        } else if let first = unset.first {
            throw error("environment variable \(first) is not set")
        }
        return expanded
    }

    func requiredString() throws(ConfigError) -> String {
        guard let value = try string(), !value.isEmpty else { throw error("is required") }
        return value
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let text = try string() else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
            throw error("expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    func double(in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let text = try string() else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw error("expected a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    func bool() throws(ConfigError) -> Bool? {
        guard let text = try string() else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, got '\(text)'")
        }
    }

    /// A size in bytes: a whole number, or one with a unit (`512KiB`, `16MiB`, `1GB`).
    func byteSize() throws(ConfigError) -> Int? {
        guard let text = try string()?.trimmingCharacters(in: .whitespaces) else { return nil }
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Double(number), value >= 0, value * Double(scale) < Double(Int.max / 2) {
                return Int(value * Double(scale))
            }
            throw error("expected a size such as 16MiB or 1048576, got '\(text)'")
        }
        guard let value = Int(text), value >= 0 else { throw error("expected a size such as 16MiB or 1048576, got '\(text)'") }
        return value
    }

    private static func closest(to key: String, in candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Expands `${NAME}` and `${NAME:-default}` in configuration values. `$$` is a literal `$`.
enum EnvironmentExpander {
    static func expand(_ text: String, environment: [String: String], missing: (String) -> Void) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "$", next < text.endIndex, text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if character == "$", next < text.endIndex, text[next] == "{",
                let close = text[next...].firstIndex(of: "}")
            {
                let reference = text[text.index(after: next)..<close]
                let parts = reference.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                if let value = environment[name], !value.isEmpty {
                    result += value
                } else if parts.count == 2 {
                    result += parts[1]
                } else {
                    missing(name)
                }
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }
}
