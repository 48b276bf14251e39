/// Why a chat template could not be parsed or rendered. Every failure names the construct and where it
/// is in the template (1-based line and column), so a bad model file is reported, never rendered wrongly.
package enum ChatTemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The template text is not valid Jinja (unclosed tag, unexpected token, missing `endfor`, …).
    case syntax(message: String, line: Int, column: Int)
    /// Valid Jinja that this subset does not implement (a filter, test, statement, method, …).
    case unsupported(construct: String, line: Int, column: Int)
    /// A value of the wrong kind for an operation (adding a string to a list, an undefined variable
    /// in arithmetic, indexing out of range, …).
    case type(message: String, line: Int, column: Int)
    /// The template called `raise_exception(message)`: the conversation does not fit the model
    /// (e.g. roles that do not alternate, a system message the model does not support).
    case raised(message: String)
    /// The template exceeded a safety limit (loop iterations, output size, nesting depth).
    case limitExceeded(message: String, line: Int, column: Int)

    package var description: String {
        switch self {
        case .syntax(let message, let line, let column):
            return "chat template syntax error at \(line):\(column): \(message)"
        case .unsupported(let construct, let line, let column):
            return "chat template uses \(construct) at \(line):\(column), which is not supported"
        case .type(let message, let line, let column):
            return "chat template error at \(line):\(column): \(message)"
        case .raised(let message):
            return "chat template rejected the conversation: \(message)"
        case .limitExceeded(let message, let line, let column):
            return "chat template exceeded a limit at \(line):\(column): \(message)"
        }
    }
}

/// A position in the template source.
struct SourceLocation: Sendable, Equatable {
    /// 1-based line.
    var line: Int
    /// 1-based column, in characters.
    var column: Int

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
