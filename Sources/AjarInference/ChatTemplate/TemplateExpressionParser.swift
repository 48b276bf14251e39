// Based on: jinja2's parser (src/jinja2/parser.py), `parse_condexpr` down to `parse_primary`,
// `parse_postfix`, `parse_filter_expr` and `parse_test`.

/// Parses the tokens of one tag: expressions and the small vocabulary statements need.
struct TemplateExpressionParser {
    private let tokens: [TemplateToken]
    private var index = 0
    /// Where the tag starts, for errors at its end.
    private let tagOffset: Int
    private let lexer: TemplateLexer
    /// Nesting depth, bounded so a hostile template cannot overflow the stack.
    private var depth = 0
    private static let maximumDepth = 96

    init(tokens: [TemplateToken], tagOffset: Int, lexer: TemplateLexer) {
        self.tokens = tokens
        self.tagOffset = tagOffset
        self.lexer = lexer
    }

    // MARK: - Token helpers

    var peek: TemplateToken? { index < tokens.count ? tokens[index] : nil }
    var isAtEnd: Bool { index >= tokens.count }

    mutating func advance() { index += 1 }

    private var offset: Int { peek?.offset ?? tagOffset }

    private func isSymbol(_ symbol: String) -> Bool {
        if case .symbol(let s)? = peek?.kind { return s == symbol }
        return false
    }

    private func isKeyword(_ name: String, at position: Int? = nil) -> Bool {
        let i = position ?? index
        guard i < tokens.count, case .name(let n) = tokens[i].kind else { return false }
        return n == name
    }

    mutating func skipSymbol(_ symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        index += 1
        return true
    }

    mutating func skipKeyword(_ name: String) -> Bool {
        guard isKeyword(name) else { return false }
        index += 1
        return true
    }

    mutating func expectSymbol(_ symbol: String) throws(ChatTemplateError) {
        guard skipSymbol(symbol) else { throw syntax("expected '\(symbol)'\(found)") }
    }

    mutating func expectKeyword(_ name: String) throws(ChatTemplateError) {
        guard skipKeyword(name) else { throw syntax("expected '\(name)'\(found)") }
    }

    mutating func expectName() throws(ChatTemplateError) -> String {
        guard case .name(let name)? = peek?.kind else { throw syntax("expected a name\(found)") }
        index += 1
        return name
    }

    func expectEnd() throws(ChatTemplateError) {
        guard isAtEnd else { throw syntax("expected the end of the tag\(found)") }
    }

    private var found: String {
        guard let token = peek else { return ", found the end of the tag" }
        switch token.kind {
        case .name(let name): return ", found '\(name)'"
        case .symbol(let symbol): return ", found '\(symbol)'"
        case .string(let value): return ", found string \(TemplateValue.pythonStringRepr(value))"
        case .integer(let value): return ", found \(value)"
        case .double(let value): return ", found \(value)"
        }
    }

    private func syntax(_ message: String) -> ChatTemplateError {
        let location = lexer.location(offset)
        return .syntax(message: message, line: location.line, column: location.column)
    }

    private func make(_ kind: TemplateExpression.Kind, _ offset: Int) -> TemplateExpression {
        TemplateExpression(kind: kind, offset: offset)
    }

    // MARK: - Expressions

    /// Parses an expression.
    /// - Parameter allowConditional: whether `a if b else c` is allowed (not in a `for` header, whose
    ///   `if` filters the loop).
    mutating func parseExpression(allowConditional: Bool = true) throws(ChatTemplateError) -> TemplateExpression {
        try enter()
        defer { depth -= 1 }
        var expression = try parseOr()
        guard allowConditional else { return expression }
        while isKeyword("if") {
            let start = offset
            advance()
            let condition = try parseOr()
            var otherwise: TemplateExpression?
            if skipKeyword("else") { otherwise = try parseExpression() }
            expression = make(.conditional(expression, condition: condition, otherwise: otherwise), start)
        }
        return expression
    }

    private mutating func parseOr() throws(ChatTemplateError) -> TemplateExpression {
        var left = try parseAnd()
        while isKeyword("or") {
            let start = offset
            advance()
            left = make(.binary(.or, left, try parseAnd()), start)
        }
        return left
    }

    private mutating func parseAnd() throws(ChatTemplateError) -> TemplateExpression {
        var left = try parseNot()
        while isKeyword("and") {
            let start = offset
            advance()
            left = make(.binary(.and, left, try parseNot()), start)
        }
        return left
    }

    /// Counts one level of nesting (balanced by `depth -= 1`).
    private mutating func enter() throws(ChatTemplateError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            let location = lexer.location(offset)
            throw .limitExceeded(
                message: "expressions nested deeper than \(Self.maximumDepth)", line: location.line,
                column: location.column)
        }
    }

    private mutating func parseNot() throws(ChatTemplateError) -> TemplateExpression {
        try enter()
        defer { depth -= 1 }
        if isKeyword("not") {
            let start = offset
            advance()
            return make(.not(try parseNot()), start)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(ChatTemplateError) -> TemplateExpression {
        let first = try parseAdditive()
        var result: TemplateExpression?
        var left = first
        while true {
            let start = offset
            let op: TemplateBinaryOperator
            if case .symbol(let s)? = peek?.kind, let comparison = TemplateBinaryOperator(rawValue: s),
                [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(comparison)
            {
                op = comparison
                advance()
            } else if isKeyword("in") {
                op = .in
                advance()
            } else if isKeyword("not") && isKeyword("in", at: index + 1) {
                op = .notIn
                index += 2
            } else {
                break
            }
            let right = try parseAdditive()
            let comparison = make(.binary(op, left, right), start)
            // a < b < c means a < b and b < c
            result = result.map { make(.binary(.and, $0, comparison), start) } ?? comparison
            left = right
        }
        return result ?? first
    }

    private mutating func parseAdditive() throws(ChatTemplateError) -> TemplateExpression {
        var left = try parseConcatenation()
        while isSymbol("+") || isSymbol("-") {
            let start = offset
            let op: TemplateBinaryOperator = isSymbol("+") ? .add : .subtract
            advance()
            left = make(.binary(op, left, try parseConcatenation()), start)
        }
        return left
    }

    private mutating func parseConcatenation() throws(ChatTemplateError) -> TemplateExpression {
        var left = try parseMultiplicative()
        while isSymbol("~") {
            let start = offset
            advance()
            left = make(.binary(.concatenate, left, try parseMultiplicative()), start)
        }
        return left
    }

    private mutating func parseMultiplicative() throws(ChatTemplateError) -> TemplateExpression {
        var left = try parsePower()
        while true {
            guard case .symbol(let s)? = peek?.kind, ["*", "/", "//", "%"].contains(s),
                let op = TemplateBinaryOperator(rawValue: s)
            else { return left }
            let start = offset
            advance()
            left = make(.binary(op, left, try parsePower()), start)
        }
    }

    private mutating func parsePower() throws(ChatTemplateError) -> TemplateExpression {
        var left = try parseUnary(withFilters: true)
        while isSymbol("**") {
            let start = offset
            advance()
            left = make(.binary(.power, left, try parseUnary(withFilters: true)), start)
        }
        return left
    }

    private mutating func parseUnary(withFilters: Bool) throws(ChatTemplateError) -> TemplateExpression {
        try enter()
        defer { depth -= 1 }
        let start = offset
        var expression: TemplateExpression
        if skipSymbol("-") {
            expression = make(.negate(try parseUnary(withFilters: false)), start)
        } else if skipSymbol("+") {
            expression = try parseUnary(withFilters: false)
        } else {
            expression = try parsePostfix(try parsePrimary())
        }
        return withFilters ? try parseFiltersAndTests(expression) : expression
    }

    private mutating func parsePrimary() throws(ChatTemplateError) -> TemplateExpression {
        guard let token = peek else { throw syntax("expected an expression\(found)") }
        let start = token.offset
        switch token.kind {
        case .name(let name):
            advance()
            switch name {
            case "true", "True": return make(.bool(true), start)
            case "false", "False": return make(.bool(false), start)
            case "none", "None": return make(.none, start)
            default: return make(.variable(name), start)
            }
        case .string(var value):
            advance()
            while case .string(let next)? = peek?.kind {  // adjacent strings concatenate
                value += next
                advance()
            }
            return make(.string(value), start)
        case .integer(let value):
            advance()
            return make(.integer(value), start)
        case .double(let value):
            advance()
            return make(.double(value), start)
        case .symbol("("):
            advance()
            if skipSymbol(")") { return make(.list([]), start) }  // () is an empty tuple
            let first = try parseExpression()
            guard isSymbol(",") else {
                try expectSymbol(")")
                return first
            }
            var items = [first]
            while skipSymbol(",") && !isSymbol(")") { items.append(try parseExpression()) }
            try expectSymbol(")")
            return make(.list(items), start)  // tuples behave as lists here
        case .symbol("["):
            advance()
            var items = [TemplateExpression]()
            while !isSymbol("]") {
                items.append(try parseExpression())
                if !skipSymbol(",") { break }
            }
            try expectSymbol("]")
            return make(.list(items), start)
        case .symbol("{"):
            advance()
            var pairs = [(key: TemplateExpression, value: TemplateExpression)]()
            while !isSymbol("}") {
                let key = try parseExpression()
                try expectSymbol(":")
                pairs.append((key, try parseExpression()))
                if !skipSymbol(",") { break }
            }
            try expectSymbol("}")
            return make(.dictionary(pairs), start)
        default:
            throw syntax("expected an expression\(found)")
        }
    }

    private mutating func parsePostfix(_ base: TemplateExpression) throws(ChatTemplateError) -> TemplateExpression {
        var expression = base
        while true {
            let start = offset
            if skipSymbol(".") {
                if case .integer(let position)? = peek?.kind {
                    advance()
                    expression = make(.subscript(expression, make(.integer(position), start)), start)
                } else {
                    expression = make(.attribute(expression, try expectName()), start)
                }
            } else if skipSymbol("[") {
                expression = try parseSubscript(expression, start)
            } else if isSymbol("(") {
                expression = make(.call(expression, try parseArguments()), start)
            } else {
                return expression
            }
        }
    }

    private mutating func parseSubscript(_ base: TemplateExpression, _ start: Int) throws(ChatTemplateError)
        -> TemplateExpression
    {
        var parts: [TemplateExpression?] = [nil]
        var isSlice = false
        while !isSymbol("]") {
            if skipSymbol(":") {
                isSlice = true
                parts.append(nil)
            } else {
                guard parts[parts.count - 1] == nil else { throw syntax("expected ':' or ']'\(found)") }
                parts[parts.count - 1] = try parseExpression()
            }
        }
        try expectSymbol("]")
        guard isSlice else {
            guard let index = parts[0] else { throw syntax("empty subscript") }
            return make(.subscript(base, index), start)
        }
        guard parts.count <= 3 else { throw syntax("a slice has at most three parts") }
        return make(
            .slice(
                base, start: parts[0], stop: parts.count > 1 ? parts[1] : nil, step: parts.count > 2 ? parts[2] : nil),
            start)
    }

    /// `( positional, …, name=value, … )`.
    private mutating func parseArguments() throws(ChatTemplateError) -> TemplateArguments {
        try expectSymbol("(")
        var arguments = TemplateArguments()
        while !isSymbol(")") {
            if case .name(let name)? = peek?.kind, index + 1 < tokens.count, tokens[index + 1].kind == .symbol("=") {
                index += 2
                arguments.keyword.append((name, try parseExpression()))
            } else {
                guard arguments.keyword.isEmpty else { throw syntax("positional argument after a keyword argument") }
                arguments.positional.append(try parseExpression())
            }
            if !skipSymbol(",") { break }
        }
        try expectSymbol(")")
        return arguments
    }

    private mutating func parseFiltersAndTests(_ base: TemplateExpression) throws(ChatTemplateError)
        -> TemplateExpression
    {
        var expression = base
        while true {
            let start = offset
            if skipSymbol("|") {
                let name = try expectName()
                let arguments = isSymbol("(") ? try parseArguments() : .empty
                expression = make(.filter(expression, name: name, arguments), start)
            } else if skipKeyword("is") {
                let negated = skipKeyword("not")
                let name = try expectName()
                var arguments = TemplateArguments.empty
                if isSymbol("(") {
                    arguments = try parseArguments()
                } else if startsBareTestArgument {
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                expression = make(.test(expression, name: name, arguments, negated: negated), start)
            } else if isSymbol("(") {
                expression = make(.call(expression, try parseArguments()), start)
            } else {
                return expression
            }
        }
    }

    /// jinja2 allows one argument without parentheses: `x is divisibleby 3`, `x is sameas none`.
    private var startsBareTestArgument: Bool {
        guard let token = peek else { return false }
        switch token.kind {
        case .name(let name): return !["else", "or", "and", "if", "not", "in", "is"].contains(name)
        case .string, .integer, .double: return true
        case .symbol(let symbol): return symbol == "[" || symbol == "{"
        }
    }
}
