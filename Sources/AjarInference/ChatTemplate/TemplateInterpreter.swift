// Based on: jinja2's runtime semantics (src/jinja2/runtime.py, environment.getattr/getitem) as HF transformers
// uses them for chat templates: undefined names render as "" but fail in arithmetic, a `for` body has its
// own scope (hence `namespace()`), `a or b` returns an operand, `+` does not convert types, `~` does.

/// Runs a parsed template once. Not shared: one interpreter per render.
struct TemplateInterpreter {
    let lexer: TemplateLexer
    /// Variable scopes, innermost last: [0] the render's variables, [1] top-level `set`s, then one per loop body.
    private var scopes: [[String: TemplateValue]]
    /// `namespace()` objects, referred to by index from `TemplateValue.namespace`.
    var namespaces: [TemplateDictionary] = []
    private var output = ""
    private var iterations = 0
    /// Container nodes visited by `checkNesting` in this render.
    private var nestingWork = 0

    /// Loop iterations (and `range` length) allowed in one render.
    static let maximumIterations = 100_000
    /// Output (and string/list results) allowed in one render, in UTF-8 bytes or elements.
    static let maximumOutput = 8 << 20
    /// How deeply lists and dicts stored by `set` may nest (deeper values could overflow the stack when
    /// compared, printed or freed).
    static let maximumNesting = 256
    /// Container nodes `checkNesting` may visit in one render.
    static let maximumNestingWork = 1_000_000

    private enum Flow { case normal, breakLoop, continueLoop }

    /// - Parameters:
    ///   - lexer: the template's lexer, for error locations.
    ///   - variables: the render's variables (`messages`, `bos_token`, …).
    init(lexer: TemplateLexer, variables: [String: TemplateValue]) {
        self.lexer = lexer
        self.scopes = [variables, [:]]
    }

    /// Renders the nodes.
    /// - Throws: `ChatTemplateError` (`.raised` from `raise_exception`, `.type`, `.unsupported`, `.limitExceeded`).
    mutating func render(_ nodes: [TemplateNode]) throws(ChatTemplateError) -> String {
        _ = try execute(nodes)
        return output
    }

    // MARK: - Statements

    private mutating func execute(_ nodes: [TemplateNode]) throws(ChatTemplateError) -> Flow {
        for node in nodes {
            switch node {
            case .text(let text):
                try emit(text, at: 0)
            case .output(let expression):
                let value = try evaluate(expression)
                if case .undefined = value { continue }
                try emit(value.rendered, at: expression.offset)
            case .conditional(let branches, let otherwise):
                var taken: [TemplateNode]? = nil
                for branch in branches {
                    if try evaluate(branch.condition).isTruthy {
                        taken = branch.body
                        break
                    }
                }
                let flow = try execute(taken ?? otherwise)
                if flow != .normal { return flow }
            case .loop(let targets, let iterable, let condition, let body, let otherwise, let offset):
                let flow = try runLoop(targets, iterable, condition, body, otherwise, offset)
                if flow != .normal { return flow }
            case .assign(let targets, let expression, let offset):
                let value = try evaluate(expression)
                try checkNesting(value, at: offset)
                try bind(targets, to: value, at: offset)
            case .assignAttribute(let object, let attribute, let expression, let offset):
                guard case .namespace(let id) = lookup(object) else {
                    throw typeError(
                        "cannot set attribute '\(attribute)' on '\(object)', which is not a namespace", at: offset)
                }
                let value = try evaluate(expression)
                try checkNesting(value, at: offset)
                namespaces[id][attribute] = value
            case .assignBlock(let name, let body):
                let saved = output
                output = ""
                _ = try execute(body)
                let captured = output
                output = saved
                scopes[scopes.count - 1][name] = .string(captured)
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            }
        }
        return .normal
    }

    private mutating func runLoop(
        _ targets: [String], _ iterable: TemplateExpression, _ condition: TemplateExpression?,
        _ body: [TemplateNode], _ otherwise: [TemplateNode], _ offset: Int
    ) throws(ChatTemplateError) -> Flow {
        var items = try iterate(try evaluate(iterable), at: iterable.offset)
        if let condition {
            var kept = [TemplateValue]()
            for item in items {
                scopes.append([:])
                try bind(targets, to: item, at: offset)
                let keep = try evaluate(condition).isTruthy
                scopes.removeLast()
                if keep { kept.append(item) }
            }
            items = kept
        }
        guard !items.isEmpty else { return try execute(otherwise) }
        for (i, item) in items.enumerated() {
            iterations += 1
            guard iterations <= Self.maximumIterations else {
                throw limit("more than \(Self.maximumIterations) loop iterations", at: offset)
            }
            var loop = TemplateDictionary()
            loop["index"] = .integer(i + 1)
            loop["index0"] = .integer(i)
            loop["revindex"] = .integer(items.count - i)
            loop["revindex0"] = .integer(items.count - i - 1)
            loop["first"] = .bool(i == 0)
            loop["last"] = .bool(i == items.count - 1)
            loop["length"] = .integer(items.count)
            if i > 0 { loop["previtem"] = items[i - 1] }
            if i + 1 < items.count { loop["nextitem"] = items[i + 1] }
            scopes.append(["loop": .dictionary(loop)])
            try bind(targets, to: item, at: offset)
            let flow = try execute(body)
            scopes.removeLast()
            if flow == .breakLoop { break }
        }
        return .normal
    }

    /// Assigns in the innermost scope; several targets unpack a list of the same length.
    private mutating func bind(_ targets: [String], to value: TemplateValue, at offset: Int) throws(ChatTemplateError) {
        guard targets.count > 1 else {
            scopes[scopes.count - 1][targets[0]] = value
            return
        }
        guard case .array(let values) = value, values.count == targets.count else {
            throw typeError("cannot unpack \(value.kindName) into \(targets.count) names", at: offset)
        }
        for (target, value) in zip(targets, values) {
            scopes[scopes.count - 1][target] = value
        }
    }

    /// The items a `for` loop visits: list elements, dict keys, string characters; nothing for undefined.
    func iterate(_ value: TemplateValue, at offset: Int) throws(ChatTemplateError) -> [TemplateValue] {
        switch value {
        case .array(let values): return values
        case .dictionary(let dictionary): return dictionary.keys.map { .string($0) }
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw typeError("cannot iterate over \(value.kindName)", at: offset)
        }
    }

    /// Bounds the nesting of a value about to be stored. Only `set` can feed a value back into a later
    /// expression (a loop body's own variables start afresh each iteration), so checking there bounds the
    /// depth of every value a render can build.
    private mutating func checkNesting(_ value: TemplateValue, at offset: Int) throws(ChatTemplateError) {
        var pending: [(TemplateValue, Int)] = [(value, 1)]
        while let (next, depth) = pending.popLast() {
            let children: [TemplateValue]
            switch next {
            case .array(let values): children = values
            case .dictionary(let dictionary): children = dictionary.keys.compactMap { dictionary[$0] }
            default: continue
            }
            nestingWork += 1
            guard depth <= Self.maximumNesting, nestingWork <= Self.maximumNestingWork else {
                throw limit("lists or dicts nested deeper than \(Self.maximumNesting), or too large", at: offset)
            }
            for child in children {
                switch child {
                case .array, .dictionary: pending.append((child, depth + 1))
                default: break
                }
            }
        }
    }

    private mutating func emit(_ text: String, at offset: Int) throws(ChatTemplateError) {
        output += text
        guard output.utf8.count <= Self.maximumOutput else {
            throw limit("output longer than \(Self.maximumOutput) bytes", at: offset)
        }
    }

    func lookup(_ name: String) -> TemplateValue {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return Self.globalFunctions.contains(name) ? .function(name) : .undefined(name)
    }

    // MARK: - Expressions

    mutating func evaluate(_ expression: TemplateExpression) throws(ChatTemplateError) -> TemplateValue {
        let offset = expression.offset
        switch expression.kind {
        case .string(let value): return .string(value)
        case .integer(let value): return .integer(value)
        case .double(let value): return .double(value)
        case .bool(let value): return .bool(value)
        case .none: return .none
        case .variable(let name): return lookup(name)
        case .list(let items):
            var values = [TemplateValue]()
            for item in items { values.append(try evaluate(item)) }
            return .array(values)
        case .dictionary(let pairs):
            var dictionary = TemplateDictionary()
            for pair in pairs {
                guard case .string(let key) = try evaluate(pair.key) else {
                    throw unsupported("dictionary keys that are not strings", at: pair.key.offset)
                }
                dictionary[key] = try evaluate(pair.value)
            }
            return .dictionary(dictionary)
        case .attribute(let base, let name):
            return try attribute(name, of: try evaluate(base), at: offset)
        case .subscript(let base, let index):
            return try item(try evaluate(index), of: try evaluate(base), at: offset)
        case .slice(let base, let start, let stop, let step):
            let value = try evaluate(base)
            return try slice(
                value, start: try start.map { e throws(ChatTemplateError) in try evaluate(e) },
                stop: try stop.map { e throws(ChatTemplateError) in try evaluate(e) },
                step: try step.map { e throws(ChatTemplateError) in try evaluate(e) }, at: offset)
        case .call(let callee, let arguments):
            let function = try evaluate(callee)
            if case .variable(let name) = callee.kind, case .undefined = function {
                throw unsupported("function '\(name)'", at: callee.offset)
            }
            return try call(function, try evaluateArguments(arguments), at: callee.offset)
        case .filter(let base, let name, let arguments):
            return try applyFilter(name, to: try evaluate(base), try evaluateArguments(arguments), at: offset)
        case .test(let base, let name, let arguments, let negated):
            let result = try applyTest(name, to: try evaluate(base), try evaluateArguments(arguments), at: offset)
            return .bool(result != negated)
        case .not(let operand):
            return .bool(!(try evaluate(operand).isTruthy))
        case .negate(let operand):
            switch try evaluate(operand) {
            case .integer(let value) where value != Int.min: return .integer(-value)
            case .double(let value): return .double(-value)
            case .bool(let value): return .integer(value ? -1 : 0)
            case let other: throw typeError("cannot negate \(other.kindName)", at: offset)
            }
        case .binary(.and, let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? try evaluate(right) : value
        case .binary(.or, let left, let right):
            let value = try evaluate(left)
            return value.isTruthy ? value : try evaluate(right)
        case .binary(let op, let left, let right):
            return try binary(op, try evaluate(left), try evaluate(right), at: offset)
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(value) }
            return try otherwise.map { e throws(ChatTemplateError) in try evaluate(e) } ?? .undefined("else")
        }
    }

    /// Evaluated call arguments.
    struct Arguments {
        var positional: [TemplateValue]
        var keyword: [String: TemplateValue]

        /// The argument at `position`, or the keyword `name`, or nil.
        func value(_ position: Int, _ name: String) -> TemplateValue? {
            position < positional.count ? positional[position] : keyword[name]
        }
    }

    private mutating func evaluateArguments(_ arguments: TemplateArguments) throws(ChatTemplateError) -> Arguments {
        var result = Arguments(positional: [], keyword: [:])
        for argument in arguments.positional { result.positional.append(try evaluate(argument)) }
        for (name, argument) in arguments.keyword { result.keyword[name] = try evaluate(argument) }
        return result
    }

    /// jinja2 `getattr`: a method, else a key, else undefined. An undefined base is an error, as in jinja2.
    func attribute(_ name: String, of value: TemplateValue, at offset: Int) throws(ChatTemplateError) -> TemplateValue {
        switch value {
        case .undefined(let base):
            throw typeError("'\(base)' is undefined (reading '.\(name)')", at: offset)
        case .dictionary(let dictionary):
            if Self.dictionaryMethods.contains(name) { return .method(receiver: value, name: name) }
            return dictionary[name] ?? .undefined(name)
        case .namespace(let id):
            return namespaces[id][name] ?? .undefined(name)
        case .string:
            return Self.stringMethods.contains(name) ? .method(receiver: value, name: name) : .undefined(name)
        case .array:
            return Self.listMethods.contains(name) ? .method(receiver: value, name: name) : .undefined(name)
        default:
            return .undefined(name)
        }
    }

    /// jinja2 `getitem`: list/string positions (negative from the end), dict keys; a miss is undefined.
    func item(_ index: TemplateValue, of value: TemplateValue, at offset: Int) throws(ChatTemplateError)
        -> TemplateValue
    {
        switch (value, index) {
        case (.undefined(let base), _):
            throw typeError("'\(base)' is undefined (indexing it)", at: offset)
        case (.array(let values), .integer(let i)):
            let position = i < 0 ? values.count + i : i
            return values.indices.contains(position) ? values[position] : .undefined("[\(i)]")
        case (.string(let text), .integer(let i)):
            let scalars = Array(text.unicodeScalars)
            let position = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(position) ? .string(String(scalars[position])) : .undefined("[\(i)]")
        case (.dictionary(let dictionary), .string(let key)):
            return dictionary[key] ?? .undefined(key)
        case (.namespace(let id), .string(let key)):
            return namespaces[id][key] ?? .undefined(key)
        default:
            return .undefined("[\(index.rendered)]")
        }
    }

    private func slice(
        _ value: TemplateValue, start: TemplateValue?, stop: TemplateValue?, step: TemplateValue?, at offset: Int
    ) throws(ChatTemplateError) -> TemplateValue {
        func integer(_ v: TemplateValue?) throws(ChatTemplateError) -> Int? {
            switch v {
            case nil, .none?: return nil
            case .integer(let i)?: return i
            case let other?: throw typeError("slice indices must be integers, not \(other.kindName)", at: offset)
            }
        }
        let step = try integer(step) ?? 1
        guard step != 0 else { throw typeError("slice step cannot be zero", at: offset) }
        func indices(_ count: Int) throws(ChatTemplateError) -> [Int] {
            // Python's slice.indices
            func clamp(_ i: Int?, _ fallback: Int) -> Int {
                guard var i else { return fallback }
                if i < 0 { i += count }
                return step > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let lower = clamp(try integer(start), step > 0 ? 0 : count - 1)
            let upper = clamp(try integer(stop), step > 0 ? count : -1)
            return Array(stride(from: lower, to: upper, by: step))
        }
        switch value {
        case .array(let values):
            return .array(try indices(values.count).map { values[$0] })
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var view = String.UnicodeScalarView()
            for i in try indices(scalars.count) { view.append(scalars[i]) }
            return .string(String(view))
        case .undefined(let base):
            throw typeError("'\(base)' is undefined (slicing it)", at: offset)
        default:
            throw typeError("cannot slice \(value.kindName)", at: offset)
        }
    }

    // MARK: - Errors

    func location(_ offset: Int) -> SourceLocation { lexer.location(offset) }

    func typeError(_ message: String, at offset: Int) -> ChatTemplateError {
        let location = location(offset)
        return .type(message: message, line: location.line, column: location.column)
    }

    func unsupported(_ construct: String, at offset: Int) -> ChatTemplateError {
        let location = location(offset)
        return .unsupported(construct: construct, line: location.line, column: location.column)
    }

    func limit(_ message: String, at offset: Int) -> ChatTemplateError {
        let location = location(offset)
        return .limitExceeded(message: message, line: location.line, column: location.column)
    }
}
