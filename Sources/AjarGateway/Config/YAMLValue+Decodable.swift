import Foundation
import Yams

extension YAMLValue {
    /// Decodes a section into a `Decodable` type of another module (the policy's and the
    /// registry's own config types), through the JSON model: plain scalars become numbers or
    /// booleans where they read as one, everything else a string (`${ENV}` expanded). A failure
    /// names the key path below this node and this node's line.
    func decode<T: Decodable>(_ type: T.Type) throws(ConfigError) -> T {
        let plain = try plainValue()
        do {
            let data = try JSONSerialization.data(withJSONObject: [plain], options: [.fragmentsAllowed])
            return try JSONDecoder().decode([T].self, from: data)[0]
        } catch let error as DecodingError {
            let (keyPath, message) = Self.describe(error)
            throw ConfigError(path: keyPath.isEmpty ? path : "\(path).\(keyPath)", line: line, message: message)
        } catch {
            throw self.error("cannot be read: \(error)")
        }
    }

    /// The node as Foundation plist-like values for `JSONSerialization`.
    private func plainValue() throws(ConfigError) -> Any {
        guard let node, !isNull else { return NSNull() }
        switch node {
        case .scalar(let scalar):
            let text = try string() ?? ""
            guard scalar.style == .plain else { return text }
            // Only canonical integers: a hash or an id of digits ("0042…") stays a string.
            if let int = Int(text), String(int) == text { return int }
            if let double = Double(text), text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return double }
            if ["true", "True", "TRUE"].contains(text) { return true }
            if ["false", "False", "FALSE"].contains(text) { return false }
            return text
        case .mapping:
            var object: [String: Any] = [:]
            for (key, child) in try mapping() { object[key] = try child.plainValue() }
            return object
        case .sequence:
            return try sequence().map { (child: YAMLValue) throws(ConfigError) -> Any in try child.plainValue() }
        default:
            throw error("aliases and tags are not supported here")
        }
    }

    /// Key path (below the decoded node, without the wrapping array) and a message.
    private static func describe(_ error: DecodingError) -> (String, String) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.dropFirst().map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return (path(context.codingPath), "expected \(type)")
        case .valueNotFound(_, let context):
            return (path(context.codingPath), "is required")
        case .keyNotFound(let key, let context):
            return (path(context.codingPath + [key]), "is required")
        case .dataCorrupted(let context):
            return (path(context.codingPath), context.debugDescription)
        @unknown default:
            return ("", "cannot be decoded")
        }
    }
}
