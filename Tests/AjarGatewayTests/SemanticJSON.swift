import AjarCore

/// JSON equality as a client sees it: object key order ignored, `1` equal to `1.0`.
enum SemanticJSON {
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(equal)
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: return a == b
        }
    }

    /// The first path at which `a` and `b` differ, for failure messages.
    static func difference(_ a: JSON, _ b: JSON, at path: String = "$") -> String? {
        switch (a, b) {
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return "\(path): \(x.count) vs \(y.count) elements" }
            for (index, (p, q)) in zip(x, y).enumerated() {
                if let found = difference(p, q, at: "\(path)[\(index)]") { return found }
            }
            return nil
        case (.object(let x), .object(let y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                guard let p = x[key] else { return "\(path).\(key): missing on the left" }
                guard let q = y[key] else { return "\(path).\(key): missing on the right" }
                if let found = difference(p, q, at: "\(path).\(key)") { return found }
            }
            return nil
        default:
            return equal(a, b) ? nil : "\(path): \(a.text) vs \(b.text)"
        }
    }
}
