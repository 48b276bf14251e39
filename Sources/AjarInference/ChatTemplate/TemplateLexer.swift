// Based on: jinja2's lexer (src/jinja2/lexer.py) for the delimiters, whitespace control (`{%-`, `-%}`,
// `{{-`, `-}}`, `{#-`, `-#}`, `{%+`), string escapes and operators, with the environment options
// HF transformers uses for chat templates: `trim_blocks=True` (drop the first newline after a block or
// comment tag) and `lstrip_blocks=True` (drop spaces and tabs before a block or comment tag at the
// start of a line).

/// A token inside a `{{ … }}` or `{% … %}` tag.
struct TemplateToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name(String)
        case string(String)
        case integer(Int)
        case double(Double)
        /// An operator or punctuation: `+ - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |`.
        case symbol(String)
    }

    var kind: Kind
    /// Offset in the template's Unicode scalars, for error locations.
    var offset: Int
}

/// The template cut into literal text and tags.
enum TemplateSegment: Sendable, Equatable {
    case text(String)
    /// `{{ … }}`.
    case output(tokens: [TemplateToken], offset: Int)
    /// `{% … %}`.
    case statement(tokens: [TemplateToken], offset: Int)
}

/// Splits a template into segments and the tags into tokens.
struct TemplateLexer {
    let source: [Unicode.Scalar]

    init(source: String) {
        self.source = Array(source.unicodeScalars)
    }

    private enum TagKind { case output, statement, comment }

    /// - Returns: the segments in order; text already has the whitespace control applied.
    /// - Throws: `ChatTemplateError.syntax` for an unclosed tag or string, or a character that is not Jinja.
    func tokenize() throws(ChatTemplateError) -> [TemplateSegment] {
        var segments = [TemplateSegment]()
        var textStart = 0
        // What the previous tag asks of the text after it.
        var stripNextLeading = false
        var trimNextNewline = false
        var position = 0
        while true {
            guard let (tagStart, kind) = nextTag(from: position) else {
                appendText(
                    from: textStart, to: source.count, stripLeading: stripNextLeading, trimNewline: trimNextNewline,
                    stripTrailing: false, lstrip: false, into: &segments)
                return segments
            }
            var inner = tagStart + 2
            let marker = inner < source.count ? source[inner] : " "
            let leftTrim = marker == "-"
            let plus = marker == "+"
            if leftTrim || plus { inner += 1 }
            appendText(
                from: textStart, to: tagStart, stripLeading: stripNextLeading, trimNewline: trimNextNewline,
                stripTrailing: leftTrim, lstrip: kind != .output && !plus, into: &segments)

            let end: Int
            let rightTrim: Bool
            let rightPlus: Bool
            switch kind {
            case .comment:
                guard let close = find("#}", from: inner) else {
                    throw syntax("unclosed comment '{#'", at: tagStart)
                }
                rightTrim = close > inner && source[close - 1] == "-"
                rightPlus = close > inner && source[close - 1] == "+"
                end = close + 2
            case .output, .statement:
                let tag = try lexTag(from: inner, closing: kind == .output ? "}" : "%", tagStart: tagStart)
                rightTrim = tag.rightTrim
                rightPlus = tag.rightPlus
                end = tag.end
                segments.append(
                    kind == .output
                        ? .output(tokens: tag.tokens, offset: tagStart)
                        : .statement(tokens: tag.tokens, offset: tagStart))
            }
            stripNextLeading = rightTrim
            trimNextNewline = kind != .output && !rightPlus
            textStart = end
            position = end
        }
    }

    // MARK: - Text and whitespace control

    private func appendText(
        from start: Int, to end: Int, stripLeading: Bool, trimNewline: Bool, stripTrailing: Bool, lstrip: Bool,
        into segments: inout [TemplateSegment]
    ) {
        var lower = start
        var upper = end
        if stripLeading {
            while lower < upper && Self.isWhitespace(source[lower]) { lower += 1 }
        } else if trimNewline {
            if lower < upper && source[lower] == "\n" {
                lower += 1
            } else if lower + 1 < upper && source[lower] == "\r" && source[lower + 1] == "\n" {
                lower += 2
            }
        }
        if stripTrailing {
            while upper > lower && Self.isWhitespace(source[upper - 1]) { upper -= 1 }
        } else if lstrip {
            // Spaces and tabs between the start of the line and the tag.
            var lineStart = upper
            while lineStart > lower && source[lineStart - 1] != "\n" { lineStart -= 1 }
            let atLineStart = lineStart > lower || lower == 0 || source[lower - 1] == "\n"
            if atLineStart && (lineStart..<upper).allSatisfy({ Self.isWhitespace(source[$0]) }) {
                upper = lineStart
            }
        }
        guard lower < upper else { return }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: source[lower..<upper])
        segments.append(.text(String(text)))
    }

    /// Python's `\s` (Unicode whitespace, including the separators U+001C…U+001F).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    private func nextTag(from position: Int) -> (Int, TagKind)? {
        var i = position
        while i + 1 < source.count {
            if source[i] == "{" {
                switch source[i + 1] {
                case "{": return (i, .output)
                case "%": return (i, .statement)
                case "#": return (i, .comment)
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    private func find(_ needle: String, from position: Int) -> Int? {
        let pattern = Array(needle.unicodeScalars)
        var i = position
        while i + pattern.count <= source.count {
            if source[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
            i += 1
        }
        return nil
    }

    // MARK: - Tokens inside a tag

    private struct Tag {
        var tokens: [TemplateToken]
        var end: Int
        var rightTrim: Bool
        var rightPlus: Bool
    }

    /// Lexes tokens up to the closing `}}` or `%}` (a `}` inside `{…}` closes the dict, not the tag).
    private func lexTag(from start: Int, closing: Unicode.Scalar, tagStart: Int) throws(ChatTemplateError) -> Tag {
        var tokens = [TemplateToken]()
        var i = start
        var braceDepth = 0
        func closes(at index: Int) -> Bool {
            index + 1 < source.count && source[index] == closing && source[index + 1] == "}"
                && (closing != "}" || braceDepth == 0)
        }
        while i < source.count {
            let c = source[i]
            if Self.isWhitespace(c) {
                i += 1
                continue
            }
            if closes(at: i) {
                return Tag(tokens: tokens, end: i + 2, rightTrim: false, rightPlus: false)
            }
            if (c == "-" || c == "+") && closes(at: i + 1) {
                return Tag(tokens: tokens, end: i + 3, rightTrim: c == "-", rightPlus: c == "+")
            }
            if c == "_" || Self.isASCIILetter(c) {
                var j = i + 1
                while j < source.count && (source[j] == "_" || Self.isASCIILetter(source[j]) || Self.isDigit(source[j]))
                {
                    j += 1
                }
                tokens.append(TemplateToken(kind: .name(string(i, j)), offset: i))
                i = j
            } else if Self.isDigit(c) {
                i = try lexNumber(at: i, into: &tokens)
            } else if c == "'" || c == "\"" {
                i = try lexString(at: i, into: &tokens)
            } else if let symbol = symbol(at: i) {
                if symbol == "{" { braceDepth += 1 }
                if symbol == "}" { braceDepth -= 1 }
                tokens.append(TemplateToken(kind: .symbol(symbol), offset: i))
                i += symbol.unicodeScalars.count
            } else {
                throw syntax("unexpected character '\(Character(c))'", at: i)
            }
        }
        throw syntax(closing == "}" ? "unclosed '{{'" : "unclosed '{%'", at: tagStart)
    }

    private func symbol(at i: Int) -> String? {
        let c = source[i]
        let next = i + 1 < source.count ? source[i + 1] : " "
        for two in ["**", "//", "==", "!=", "<=", ">="] {
            let scalars = Array(two.unicodeScalars)
            if c == scalars[0] && next == scalars[1] { return two }
        }
        return "+-*/%~<>=()[]{},.:|".unicodeScalars.contains(c) ? String(c) : nil
    }

    private func lexNumber(at start: Int, into tokens: inout [TemplateToken]) throws(ChatTemplateError) -> Int {
        var i = start
        while i < source.count && (Self.isDigit(source[i]) || source[i] == "_") { i += 1 }
        var isFloat = false
        if i + 1 < source.count && source[i] == "." && Self.isDigit(source[i + 1]) {
            isFloat = true
            i += 1
            while i < source.count && Self.isDigit(source[i]) { i += 1 }
        }
        if i < source.count && (source[i] == "e" || source[i] == "E") {
            var j = i + 1
            if j < source.count && (source[j] == "+" || source[j] == "-") { j += 1 }
            if j < source.count && Self.isDigit(source[j]) {
                isFloat = true
                i = j
                while i < source.count && Self.isDigit(source[i]) { i += 1 }
            }
        }
        let text = string(start, i).filter { $0 != "_" }
        if isFloat {
            guard let value = Double(text) else { throw syntax("invalid number '\(text)'", at: start) }
            tokens.append(TemplateToken(kind: .double(value), offset: start))
        } else {
            guard let value = Int(text) else { throw syntax("integer '\(text)' is too large", at: start) }
            tokens.append(TemplateToken(kind: .integer(value), offset: start))
        }
        return i
    }

    /// A quoted string with Python escapes (`\n`, `\t`, `\\`, `\'`, `\"`, `\xHH`, `\uHHHH`, …); an unknown
    /// escape keeps its backslash, as Python does.
    private func lexString(at start: Int, into tokens: inout [TemplateToken]) throws(ChatTemplateError) -> Int {
        let quote = source[start]
        var value = String.UnicodeScalarView()
        var i = start + 1
        while i < source.count {
            let c = source[i]
            if c == quote {
                tokens.append(TemplateToken(kind: .string(String(value)), offset: start))
                return i + 1
            }
            guard c == "\\", i + 1 < source.count else {
                value.append(c)
                i += 1
                continue
            }
            let escape = source[i + 1]
            i += 2
            switch escape {
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            case "b": value.append("\u{08}")
            case "f": value.append("\u{0C}")
            case "v": value.append("\u{0B}")
            case "a": value.append("\u{07}")
            case "0": value.append("\u{00}")
            case "\\", "'", "\"": value.append(escape)
            case "\n": break  // line continuation
            case "x", "u", "U":
                let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                guard i + width <= source.count, let code = UInt32(string(i, i + width), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { throw syntax("invalid escape '\\\(escape)' in string", at: i - 2) }
                value.append(scalar)
                i += width
            default:
                value.append("\\")
                value.append(escape)
            }
        }
        throw syntax("unterminated string", at: start)
    }

    // MARK: - Helpers

    private func string(_ start: Int, _ end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: source[start..<end])
        return String(view)
    }

    private static func isASCIILetter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    func location(_ offset: Int) -> SourceLocation {
        var line = 1
        var column = 1
        for scalar in source[0..<min(offset, source.count)] {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourceLocation(line: line, column: column)
    }

    private func syntax(_ message: String, at offset: Int) -> ChatTemplateError {
        let location = location(offset)
        return .syntax(message: message, line: location.line, column: location.column)
    }
}
