// Binary operators with Python semantics (jinja2 evaluates them with Python's operators).

extension TemplateInterpreter {
    /// Applies a binary operator other than `and`/`or` (which short-circuit in `evaluate`).
    func binary(_ op: TemplateBinaryOperator, _ left: TemplateValue, _ right: TemplateValue, at offset: Int)
        throws(ChatTemplateError) -> TemplateValue
    {
        switch op {
        case .equal: return .bool(left.pythonEquals(right))
        case .notEqual: return .bool(!left.pythonEquals(right))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            let order = try compare(left, right, op, at: offset)
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .in: return .bool(try contains(right, left, at: offset))
        case .notIn: return .bool(!(try contains(right, left, at: offset)))
        case .concatenate:
            let text = left.rendered + right.rendered
            try checkSize(text.utf8.count, at: offset)
            return .string(text)
        case .add, .subtract, .multiply, .divide, .floorDivide, .modulo, .power:
            try requireDefined(left, op, at: offset)
            try requireDefined(right, op, at: offset)
            return try arithmetic(op, left, right, at: offset)
        case .and, .or:
            return left.isTruthy == (op == .and) ? right : left
        }
    }

    private func requireDefined(_ value: TemplateValue, _ op: TemplateBinaryOperator, at offset: Int)
        throws(ChatTemplateError)
    {
        if case .undefined(let name) = value {
            throw typeError("'\(name)' is undefined (used with '\(op.rawValue)')", at: offset)
        }
    }

    private func arithmetic(_ op: TemplateBinaryOperator, _ left: TemplateValue, _ right: TemplateValue, at offset: Int)
        throws(ChatTemplateError) -> TemplateValue
    {
        switch (op, left, right) {
        case (.add, .string(let a), .string(let b)):
            try checkSize(a.utf8.count + b.utf8.count, at: offset)
            return .string(a + b)
        case (.add, .array(let a), .array(let b)):
            try checkSize(a.count + b.count, at: offset)
            return .array(a + b)
        case (.multiply, .string(let text), .integer(let n)), (.multiply, .integer(let n), .string(let text)):
            try checkSize(text.utf8.count, times: n, at: offset)
            return .string(String(repeating: text, count: max(n, 0)))
        case (.multiply, .array(let values), .integer(let n)), (.multiply, .integer(let n), .array(let values)):
            try checkSize(values.count, times: n, at: offset)
            return .array(Array([[TemplateValue]](repeating: values, count: max(n, 0)).joined()))
        case (.modulo, .string, _):
            throw unsupported("string formatting with '%'", at: offset)
        default:
            break
        }
        if let a = integerValue(left), let b = integerValue(right) {
            return try integerArithmetic(op, a, b, at: offset)
        }
        guard let a = left.numericValue, let b = right.numericValue else {
            throw typeError(
                "unsupported operand types for '\(op.rawValue)': \(left.kindName) and \(right.kindName)", at: offset)
        }
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw typeError("division by zero", at: offset) }
            return .double(a / b)
        case .floorDivide:
            guard b != 0 else { throw typeError("division by zero", at: offset) }
            return .double((a / b).rounded(.down))
        case .modulo:
            guard b != 0 else { throw typeError("modulo by zero", at: offset) }
            let r = a.truncatingRemainder(dividingBy: b)
            return .double(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        case .power:
            guard b == b.rounded(), abs(b) <= 1024 else { throw unsupported("non-integer powers", at: offset) }
            var result = 1.0
            for _ in 0..<Int(abs(b)) { result *= a }
            return .double(b < 0 ? 1 / result : result)
        default:
            throw typeError("unsupported operator '\(op.rawValue)'", at: offset)
        }
    }

    /// Integers and booleans (Python bools are integers).
    private func integerValue(_ value: TemplateValue) -> Int? {
        switch value {
        case .integer(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    private func integerArithmetic(_ op: TemplateBinaryOperator, _ a: Int, _ b: Int, at offset: Int)
        throws(ChatTemplateError) -> TemplateValue
    {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws(ChatTemplateError) -> TemplateValue {
            guard !result.overflow else { throw limit("integer overflow", at: offset) }
            return .integer(result.partialValue)
        }
        switch op {
        case .add: return try checked(a.addingReportingOverflow(b))
        case .subtract: return try checked(a.subtractingReportingOverflow(b))
        case .multiply: return try checked(a.multipliedReportingOverflow(by: b))
        case .divide:
            guard b != 0 else { throw typeError("division by zero", at: offset) }
            return .double(Double(a) / Double(b))
        case .floorDivide, .modulo:
            guard b != 0 else { throw typeError(op == .modulo ? "modulo by zero" : "division by zero", at: offset) }
            guard !(a == Int.min && b == -1) else { throw limit("integer overflow", at: offset) }
            // Python rounds the quotient down and gives the remainder the divisor's sign.
            var quotient = a / b
            var remainder = a % b
            if remainder != 0 && (remainder < 0) != (b < 0) {
                quotient -= 1
                remainder += b
            }
            return .integer(op == .modulo ? remainder : quotient)
        case .power:
            guard b >= 0 else { return .double(1 / pow(Double(a), -b)) }
            switch a {
            case 0: return .integer(b == 0 ? 1 : 0)
            case 1: return .integer(1)
            case -1: return .integer(b % 2 == 0 ? 1 : -1)
            default:
                var result = 1
                for _ in 0..<b {  // |a| >= 2 overflows within 63 steps
                    let (next, overflow) = result.multipliedReportingOverflow(by: a)
                    guard !overflow else { throw limit("integer overflow", at: offset) }
                    result = next
                }
                return .integer(result)
            }
        default:
            throw typeError("unsupported operator '\(op.rawValue)'", at: offset)
        }
    }

    private func pow(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(exponent, 1024) { result *= base }
        return result
    }

    /// -1, 0, 1 for numbers or for strings (by code point, as Python).
    private func compare(_ left: TemplateValue, _ right: TemplateValue, _ op: TemplateBinaryOperator, at offset: Int)
        throws(ChatTemplateError) -> Int
    {
        if case .string(let a) = left, case .string(let b) = right {
            if a.unicodeScalars.elementsEqual(b.unicodeScalars) { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value } ? -1 : 1
        }
        if let a = left.numericValue, let b = right.numericValue {
            return a < b ? -1 : a > b ? 1 : 0
        }
        throw typeError("cannot compare \(left.kindName) and \(right.kindName) with '\(op.rawValue)'", at: offset)
    }

    /// Python `needle in container`.
    func contains(_ container: TemplateValue, _ needle: TemplateValue, at offset: Int) throws(ChatTemplateError)
        -> Bool
    {
        switch container {
        case .string(let text):
            guard case .string(let part) = needle else {
                throw typeError("'in <string>' needs a string on the left, not \(needle.kindName)", at: offset)
            }
            return part.isEmpty || text.unicodeScalars.firstRange(of: part.unicodeScalars) != nil
        case .array(let values):
            return values.contains { $0.pythonEquals(needle) }
        case .dictionary(let dictionary):
            guard case .string(let key) = needle else { return false }
            return dictionary[key] != nil
        case .namespace(let id):
            guard case .string(let key) = needle else { return false }
            return namespaces[id][key] != nil
        case .undefined:
            return false
        default:
            throw typeError("'in' needs a string, list or dict on the right, not \(container.kindName)", at: offset)
        }
    }

    /// Fails when a string or list result would exceed the output limit.
    func checkSize(_ size: Int, at offset: Int) throws(ChatTemplateError) {
        guard size <= Self.maximumOutput else { throw limit("a value larger than \(Self.maximumOutput)", at: offset) }
    }

    /// `checkSize(size * count)` without overflowing.
    private func checkSize(_ size: Int, times count: Int, at offset: Int) throws(ChatTemplateError) {
        let (total, overflow) = size.multipliedReportingOverflow(by: max(count, 0))
        try checkSize(overflow ? Int.max : total, at: offset)
    }
}
