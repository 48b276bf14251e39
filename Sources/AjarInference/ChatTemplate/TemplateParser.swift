// Based on: jinja2's parser (src/jinja2/parser.py): statement forms and operator precedence
// (conditional < or < and < not < comparisons/in < + - < ~ < * / // % < ** < unary, with filters and
// `is` tests binding to the unary operand, so `'a' + x | trim` is `'a' + (x | trim)`).

/// Builds the syntax tree from the lexer's segments.
struct TemplateParser {
    private let segments: [TemplateSegment]
    private let lexer: TemplateLexer
    private var index = 0
    /// Open blocks (`if`, `for`, `set` … `endset`), bounded so a hostile template cannot overflow the stack.
    private var depth = 0
    private static let maximumDepth = 64

    /// Statements this subset does not implement, reported as unsupported rather than as syntax errors.
    private static let unsupportedStatements: Set<String> = [
        "macro", "call", "filter", "block", "extends", "include", "import", "from", "raw", "with", "autoescape",
        "do", "generation", "trans",
    ]

    init(segments: [TemplateSegment], lexer: TemplateLexer) {
        self.segments = segments
        self.lexer = lexer
    }

    /// - Returns: the template's nodes.
    /// - Throws: `ChatTemplateError.syntax` or `.unsupported`.
    mutating func parse() throws(ChatTemplateError) -> [TemplateNode] {
        let (nodes, end) = try parseBody(until: [])
        if let end { throw syntax("unexpected '\(end.keyword)'", at: end.offset) }
        return nodes
    }

    /// The statement that ended a body, with the tokens after its keyword.
    private struct Terminator {
        var keyword: String
        var stream: TemplateExpressionParser
        var offset: Int
    }

    private mutating func parseBody(until terminators: Set<String>) throws(ChatTemplateError) -> (
        [TemplateNode], Terminator?
    ) {
        var nodes = [TemplateNode]()
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            var offset = 0
            if index > 0, index <= segments.count, case .statement(_, let start) = segments[index - 1] {
                offset = start
            }
            let location = lexer.location(offset)
            throw .limitExceeded(
                message: "blocks nested deeper than \(Self.maximumDepth)", line: location.line, column: location.column)
        }
        while index < segments.count {
            let segment = segments[index]
            index += 1
            switch segment {
            case .text(let text):
                nodes.append(.text(text))
            case .output(let tokens, let offset):
                var stream = TemplateExpressionParser(tokens: tokens, tagOffset: offset, lexer: lexer)
                let expression = try stream.parseExpression()
                try stream.expectEnd()
                nodes.append(.output(expression))
            case .statement(let tokens, let offset):
                var stream = TemplateExpressionParser(tokens: tokens, tagOffset: offset, lexer: lexer)
                guard case .name(let keyword)? = stream.peek?.kind else {
                    throw syntax("expected a statement name after '{%'", at: offset)
                }
                stream.advance()
                if terminators.contains(keyword) {
                    return (nodes, Terminator(keyword: keyword, stream: stream, offset: offset))
                }
                nodes.append(try parseStatement(keyword, &stream, offset: offset))
            }
        }
        return (nodes, nil)
    }

    private mutating func parseStatement(_ keyword: String, _ stream: inout TemplateExpressionParser, offset: Int)
        throws(ChatTemplateError) -> TemplateNode
    {
        switch keyword {
        case "if":
            var branches = [(condition: TemplateExpression, body: [TemplateNode])]()
            var condition = try stream.parseExpression()
            try stream.expectEnd()
            while true {
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                guard var end else { throw syntax("missing '{% endif %}'", at: offset) }
                switch end.keyword {
                case "elif":
                    condition = try end.stream.parseExpression()
                    try end.stream.expectEnd()
                case "else":
                    try end.stream.expectEnd()
                    let (otherwise, close) = try parseBody(until: ["endif"])
                    guard var close else { throw syntax("missing '{% endif %}'", at: offset) }
                    try close.stream.expectEnd()
                    return .conditional(branches: branches, otherwise: otherwise)
                default:
                    try end.stream.expectEnd()
                    return .conditional(branches: branches, otherwise: [])
                }
            }
        case "for":
            var targets = [try stream.expectName()]
            while stream.skipSymbol(",") { targets.append(try stream.expectName()) }
            try stream.expectKeyword("in")
            let iterable = try stream.parseExpression(allowConditional: false)
            var condition: TemplateExpression?
            if stream.skipKeyword("if") { condition = try stream.parseExpression(allowConditional: false) }
            if stream.skipKeyword("recursive") { throw unsupported("recursive for loops", at: offset) }
            try stream.expectEnd()
            let (body, end) = try parseBody(until: ["else", "endfor"])
            guard var end else { throw syntax("missing '{% endfor %}'", at: offset) }
            try end.stream.expectEnd()
            var otherwise = [TemplateNode]()
            if end.keyword == "else" {
                let (elseBody, close) = try parseBody(until: ["endfor"])
                guard var close else { throw syntax("missing '{% endfor %}'", at: offset) }
                try close.stream.expectEnd()
                otherwise = elseBody
            }
            return .loop(
                targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise,
                offset: offset)
        case "set":
            let first = try stream.expectName()
            if stream.skipSymbol(".") {
                let attribute = try stream.expectName()
                try stream.expectSymbol("=")
                let value = try stream.parseExpression()
                try stream.expectEnd()
                return .assignAttribute(object: first, attribute: attribute, value: value, offset: offset)
            }
            var targets = [first]
            while stream.skipSymbol(",") { targets.append(try stream.expectName()) }
            if targets.count == 1 && stream.isAtEnd {
                let (body, end) = try parseBody(until: ["endset"])
                guard var end else { throw syntax("missing '{% endset %}'", at: offset) }
                try end.stream.expectEnd()
                return .assignBlock(name: first, body: body)
            }
            try stream.expectSymbol("=")
            let value = try stream.parseExpression()
            try stream.expectEnd()
            return .assign(targets: targets, value: value, offset: offset)
        case "break":
            try stream.expectEnd()
            return .breakLoop
        case "continue":
            try stream.expectEnd()
            return .continueLoop
        default:
            if Self.unsupportedStatements.contains(keyword) {
                throw unsupported("statement '\(keyword)'", at: offset)
            }
            throw syntax("unexpected statement '\(keyword)'", at: offset)
        }
    }

    private func syntax(_ message: String, at offset: Int) -> ChatTemplateError {
        let location = lexer.location(offset)
        return .syntax(message: message, line: location.line, column: location.column)
    }

    private func unsupported(_ construct: String, at offset: Int) -> ChatTemplateError {
        let location = lexer.location(offset)
        return .unsupported(construct: construct, line: location.line, column: location.column)
    }
}
