// Based on: jinja2's built-in filters and tests (src/jinja2/filters.py, tests.py), the globals HF transformers
// adds for chat templates (`raise_exception`; `tojson` as json.dumps with ensure_ascii=False) and the
// Python str/dict methods templates call. Anything else is reported as unsupported, with its position.

extension TemplateInterpreter {
    static let globalFunctions: Set<String> = ["raise_exception", "namespace", "range", "dict"]
    static let dictionaryMethods: Set<String> = ["items", "keys", "values", "get"]
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize", "startswith", "endswith", "split",
        "replace", "join", "find", "count", "format", "splitlines",
    ]
    static let listMethods: Set<String> = [
        "append", "pop", "index", "count", "insert", "extend", "remove", "sort", "reverse",
    ]

    // MARK: - Calls

    mutating func call(_ function: TemplateValue, _ arguments: Arguments, at offset: Int) throws(ChatTemplateError)
        -> TemplateValue
    {
        switch function {
        case .function("raise_exception"):
            throw .raised(message: arguments.value(0, "message")?.rendered ?? "")
        case .function("namespace"), .function("dict"):
            var dictionary = TemplateDictionary()
            if case .dictionary(let initial)? = arguments.positional.first {
                dictionary = initial
            }
            for key in arguments.keyword.keys.sorted() { dictionary[key] = arguments.keyword[key] }
            guard case .function("namespace") = function else { return .dictionary(dictionary) }
            namespaces.append(dictionary)
            return .namespace(namespaces.count - 1)
        case .function("range"):
            let bounds = try arguments.positional.map { value throws(ChatTemplateError) -> Int in
                guard case .integer(let i) = value else { throw typeError("range() takes integers", at: offset) }
                return i
            }
            guard (1...3).contains(bounds.count) else { throw typeError("range() takes 1 to 3 integers", at: offset) }
            let start = bounds.count > 1 ? bounds[0] : 0
            let stop = bounds.count > 1 ? bounds[1] : bounds[0]
            let step = bounds.count > 2 ? bounds[2] : 1
            guard step != 0 else { throw typeError("range() step cannot be zero", at: offset) }
            let (span, overflow) = stop.subtractingReportingOverflow(start)
            let (length, lengthOverflow) = span.dividedReportingOverflow(by: step)
            guard !overflow, !lengthOverflow, length <= Self.maximumIterations else {
                throw limit("range() longer than \(Self.maximumIterations)", at: offset)
            }
            return .array(stride(from: start, to: stop, by: step).map { .integer($0) })
        case .method(let receiver, let name):
            return try callMethod(name, on: receiver, arguments, at: offset)
        case .undefined(let name):
            throw unsupported("calling '\(name)', which is undefined", at: offset)
        default:
            throw typeError("\(function.kindName) is not callable", at: offset)
        }
    }

    private func callMethod(_ name: String, on receiver: TemplateValue, _ arguments: Arguments, at offset: Int)
        throws(ChatTemplateError) -> TemplateValue
    {
        switch (receiver, name) {
        case (.dictionary(let dictionary), "items"):
            return .array(dictionary.keys.map { .array([.string($0), dictionary[$0] ?? .none]) })
        case (.dictionary(let dictionary), "keys"):
            return .array(dictionary.keys.map { .string($0) })
        case (.dictionary(let dictionary), "values"):
            return .array(dictionary.keys.map { dictionary[$0] ?? .none })
        case (.dictionary(let dictionary), "get"):
            guard case .string(let key)? = arguments.value(0, "key") else {
                return arguments.value(1, "default") ?? .none
            }
            return dictionary[key] ?? arguments.value(1, "default") ?? .none
        case (.string(let text), "strip"), (.string(let text), "lstrip"), (.string(let text), "rstrip"):
            let characters = arguments.value(0, "chars").flatMap { if case .string(let s) = $0 { s } else { nil } }
            return .string(Self.strip(text, characters, leading: name != "rstrip", trailing: name != "lstrip"))
        case (.string(let text), "upper"): return .string(text.uppercased())
        case (.string(let text), "lower"): return .string(text.lowercased())
        case (.string(let text), "title"): return .string(Self.titleCased(text))
        case (.string(let text), "capitalize"): return .string(Self.capitalized(text))
        case (.string(let text), "startswith"), (.string(let text), "endswith"):
            let candidates: [TemplateValue]
            switch arguments.value(0, "prefix") {
            case .array(let values)?: candidates = values
            case let value?: candidates = [value]
            case nil: throw typeError("\(name)() needs an argument", at: offset)
            }
            return .bool(
                candidates.contains { candidate in
                    guard case .string(let part) = candidate else { return false }
                    return name == "startswith"
                        ? text.unicodeScalars.starts(with: part.unicodeScalars)
                        : text.unicodeScalars.reversed().starts(with: part.unicodeScalars.reversed())
                })
        case (.string(let text), "split"):
            let separator = arguments.value(0, "sep").flatMap { if case .string(let s) = $0 { s } else { nil } }
            var limit = -1
            if case .integer(let n)? = arguments.value(1, "maxsplit") { limit = n }
            return .array(Self.split(text, separator, maxSplits: limit).map { .string($0) })
        case (.string(let text), "splitlines"):
            return .array(
                text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) })
        case (.string(let text), "replace"):
            guard case .string(let old)? = arguments.value(0, "old"), case .string(let new)? = arguments.value(1, "new")
            else { throw typeError("replace() takes two strings", at: offset) }
            var count = -1
            if case .integer(let n)? = arguments.value(2, "count") { count = n }
            return .string(Self.replace(text, old, new, count: count))
        case (.string(let separator), "join"):
            let items = try iterate(arguments.value(0, "iterable") ?? .array([]), at: offset)
            return .string(items.map(\.rendered).joined(separator: separator))
        case (.string(let text), "find"):
            guard case .string(let part)? = arguments.value(0, "sub") else {
                throw typeError("find() takes a string", at: offset)
            }
            guard let range = text.unicodeScalars.firstRange(of: part.unicodeScalars) else { return .integer(-1) }
            return .integer(text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: range.lowerBound))
        default:
            throw unsupported("method '\(name)' on \(receiver.kindName)", at: offset)
        }
    }

    // MARK: - Filters

    mutating func applyFilter(_ name: String, to value: TemplateValue, _ arguments: Arguments, at offset: Int)
        throws(ChatTemplateError) -> TemplateValue
    {
        switch name {
        case "trim":
            let characters = arguments.value(0, "chars").flatMap { if case .string(let s) = $0 { s } else { nil } }
            return .string(Self.strip(value.rendered, characters, leading: true, trailing: true))
        case "upper": return .string(value.rendered.uppercased())
        case "lower": return .string(value.rendered.lowercased())
        case "capitalize": return .string(Self.capitalized(value.rendered))
        case "title": return .string(Self.titleCased(value.rendered))
        case "string": return .string(value.rendered)
        case "safe": return value
        case "length", "count":
            switch value {
            case .string(let text): return .integer(text.unicodeScalars.count)
            case .array(let values): return .integer(values.count)
            case .dictionary(let dictionary): return .integer(dictionary.count)
            case .undefined: return .integer(0)
            default: throw typeError("\(value.kindName) has no length", at: offset)
            }
        case "tojson":
            var indent: Int?
            if case .integer(let n)? = arguments.value(0, "indent") { indent = n }
            guard let json = value.json(indent: indent) else {
                throw typeError("cannot convert \(value.kindName) to JSON", at: offset)
            }
            return .string(json)
        case "list": return .array(try iterate(value, at: offset))
        case "first", "last":
            let items = try iterate(value, at: offset)
            return (name == "first" ? items.first : items.last) ?? .undefined(name)
        case "reverse":
            if case .string(let text) = value {
                return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed())))
            }
            return .array(try iterate(value, at: offset).reversed())
        case "join":
            var separator = ""
            if case .string(let s)? = arguments.value(0, "d") { separator = s }
            var items = try iterate(value, at: offset)
            if case .string(let key)? = arguments.value(1, "attribute") {
                items = try items.map { item throws(ChatTemplateError) in try attribute(key, of: item, at: offset) }
            }
            return .string(items.map(\.rendered).joined(separator: separator))
        case "default", "d":
            let fallback = arguments.value(0, "default_value") ?? .string("")
            let boolean = arguments.value(1, "boolean")?.isTruthy ?? false
            return !value.isDefined || (boolean && !value.isTruthy) ? fallback : value
        case "items":
            guard case .dictionary(let dictionary) = value else {
                if case .undefined = value { return .array([]) }
                throw typeError("items needs a dict, not \(value.kindName)", at: offset)
            }
            return .array(dictionary.keys.map { .array([.string($0), dictionary[$0] ?? .none]) })
        case "replace":
            guard case .string(let old)? = arguments.value(0, "old"), case .string(let new)? = arguments.value(1, "new")
            else { throw typeError("replace takes two strings", at: offset) }
            return .string(Self.replace(value.rendered, old, new, count: -1))
        case "int":
            switch value {
            case .integer: return value
            case .bool(let b): return .integer(b ? 1 : 0)
            case .double(let d) where d.isFinite && abs(d) < 9e18: return .integer(Int(d))
            case .string(let s):
                let parsed = Int(Self.strip(s, nil, leading: true, trailing: true)).map { TemplateValue.integer($0) }
                return parsed ?? arguments.value(0, "default") ?? .integer(0)
            default: return arguments.value(0, "default") ?? .integer(0)
            }
        case "float":
            if case .string(let s) = value {
                return Double(Self.strip(s, nil, leading: true, trailing: true)).map { .double($0) } ?? .double(0)
            }
            return value.numericValue.map { .double($0) } ?? arguments.value(0, "default") ?? .double(0)
        case "abs":
            switch value {
            case .integer(let i) where i != Int.min: return .integer(abs(i))
            case .double(let d): return .double(abs(d))
            default: throw typeError("abs needs a number, not \(value.kindName)", at: offset)
            }
        case "selectattr", "rejectattr":
            guard case .string(let key)? = arguments.positional.first else {
                throw typeError("\(name) needs an attribute name", at: offset)
            }
            return .array(try select(value, attribute: key, arguments, keep: name == "selectattr", at: offset))
        case "select", "reject":
            return .array(try select(value, attribute: nil, arguments, keep: name == "select", at: offset))
        case "map":
            let items = try iterate(value, at: offset)
            if case .string(let key)? = arguments.keyword["attribute"] {
                let fallback = arguments.keyword["default"]
                return .array(
                    try items.map { item throws(ChatTemplateError) in
                        let result = try attribute(key, of: item, at: offset)
                        return result.isDefined ? result : (fallback ?? result)
                    })
            }
            guard case .string(let filter)? = arguments.positional.first else {
                throw typeError("map needs a filter name or attribute=", at: offset)
            }
            let rest = Arguments(positional: Array(arguments.positional.dropFirst()), keyword: arguments.keyword)
            var mapped = [TemplateValue]()
            for item in items { mapped.append(try applyFilter(filter, to: item, rest, at: offset)) }
            return .array(mapped)
        default:
            throw unsupported("filter '\(name)'", at: offset)
        }
    }

    /// `selectattr`/`rejectattr`/`select`/`reject`: keep the items whose (attribute's) test result is `keep`.
    private mutating func select(
        _ value: TemplateValue, attribute key: String?, _ arguments: Arguments, keep: Bool, at offset: Int
    ) throws(ChatTemplateError) -> [TemplateValue] {
        let testPosition = key == nil ? 0 : 1
        var kept = [TemplateValue]()
        for item in try iterate(value, at: offset) {
            let subject = try key.map { k throws(ChatTemplateError) in try attribute(k, of: item, at: offset) } ?? item
            let result: Bool
            if testPosition < arguments.positional.count, case .string(let test) = arguments.positional[testPosition] {
                let rest = Arguments(positional: Array(arguments.positional.dropFirst(testPosition + 1)), keyword: [:])
                result = try applyTest(test, to: subject, rest, at: offset)
            } else {
                result = subject.isTruthy
            }
            if result == keep { kept.append(item) }
        }
        return kept
    }

    // MARK: - Tests

    mutating func applyTest(_ name: String, to value: TemplateValue, _ arguments: Arguments, at offset: Int)
        throws(ChatTemplateError) -> Bool
    {
        let argument = arguments.positional.first
        switch name {
        case "defined": return value.isDefined
        case "undefined": return !value.isDefined
        case "none": if case .none = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "number":
            switch value {
            case .integer, .double, .bool: return true
            default: return false
            }
        case "integer": if case .integer = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "mapping":
            switch value {
            case .dictionary, .namespace: return true
            default: return false
            }
        case "iterable", "sequence":
            switch value {
            case .array, .dictionary, .string: return true
            default: return false
            }
        case "callable":
            switch value {
            case .function, .method: return true
            default: return false
            }
        case "even", "odd":
            guard case .integer(let i) = value else { throw typeError("\(name) needs an integer", at: offset) }
            return (i & 1 == 0) == (name == "even")
        case "divisibleby":
            guard case .integer(let i) = value, case .integer(let n)? = argument, n != 0 else {
                throw typeError("divisibleby needs integers", at: offset)
            }
            return i.remainderReportingOverflow(dividingBy: n).partialValue == 0
        case "eq", "equalto", "==", "sameas": return value.pythonEquals(argument ?? .none)
        case "ne", "!=": return !value.pythonEquals(argument ?? .none)
        case "lt", "lessthan", "<": return try binary(.less, value, argument ?? .none, at: offset).isTruthy
        case "le", "<=": return try binary(.lessOrEqual, value, argument ?? .none, at: offset).isTruthy
        case "gt", "greaterthan", ">": return try binary(.greater, value, argument ?? .none, at: offset).isTruthy
        case "ge", ">=": return try binary(.greaterOrEqual, value, argument ?? .none, at: offset).isTruthy
        case "in": return try contains(argument ?? .array([]), value, at: offset)
        case "lower": return value.rendered == value.rendered.lowercased()
        case "upper": return value.rendered == value.rendered.uppercased()
        default: throw unsupported("test '\(name)'", at: offset)
        }
    }

    // MARK: - Python string helpers

    /// Python `str.strip(chars)`: whitespace when `characters` is nil.
    static func strip(_ text: String, _ characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        func strippable(_ scalar: Unicode.Scalar) -> Bool {
            set.map { $0.contains(scalar) } ?? TemplateLexer.isWhitespace(scalar)
        }
        let scalars = Array(text.unicodeScalars)
        var lower = 0
        var upper = scalars.count
        if leading { while lower < upper && strippable(scalars[lower]) { lower += 1 } }
        if trailing { while upper > lower && strippable(scalars[upper - 1]) { upper -= 1 } }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[lower..<upper])
        return String(view)
    }

    /// Python `str.split(sep, maxsplit)`.
    static func split(_ text: String, _ separator: String?, maxSplits: Int) -> [String] {
        guard let separator, !separator.isEmpty else {
            let words = text.unicodeScalars.split(
                maxSplits: maxSplits < 0 ? Int.max : maxSplits, omittingEmptySubsequences: true,
                whereSeparator: TemplateLexer.isWhitespace)
            return words.map { String(String.UnicodeScalarView($0)) }
        }
        var parts = [String]()
        var rest = Substring(text)
        while maxSplits < 0 || parts.count < maxSplits,
            let range = rest.unicodeScalars.firstRange(of: separator.unicodeScalars)
        {
            parts.append(String(rest.unicodeScalars[..<range.lowerBound]))
            rest = Substring(rest.unicodeScalars[range.upperBound...])
        }
        parts.append(String(rest))
        return parts
    }

    /// Python `str.replace(old, new, count)`.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int) -> String {
        guard !old.isEmpty else { return text }
        var result = ""
        var rest = Substring(text)
        var replaced = 0
        while count < 0 || replaced < count, let range = rest.unicodeScalars.firstRange(of: old.unicodeScalars) {
            result += String(rest.unicodeScalars[..<range.lowerBound]) + new
            rest = Substring(rest.unicodeScalars[range.upperBound...])
            replaced += 1
        }
        return result + rest
    }

    /// Python `str.capitalize()`: first character upper case, the rest lower case.
    static func capitalized(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst().lowercased()
    }

    /// Python `str.title()`: upper case after a non-letter, lower case after a letter.
    static func titleCased(_ text: String) -> String {
        var result = ""
        var previousIsLetter = false
        for character in text {
            result += previousIsLetter ? character.lowercased() : character.uppercased()
            previousIsLetter = character.isLetter
        }
        return result
    }
}
