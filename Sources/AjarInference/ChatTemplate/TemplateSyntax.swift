// The syntax tree of a parsed chat template.

/// An expression and where it starts in the template (an offset in Unicode scalars).
struct TemplateExpression: Sendable {
    indirect enum Kind: Sendable {
        case string(String)
        case integer(Int)
        case double(Double)
        case bool(Bool)
        case none
        case variable(String)
        case list([TemplateExpression])
        case dictionary([(key: TemplateExpression, value: TemplateExpression)])
        /// `value.name` (attribute first, then item, as jinja2's `getattr`).
        case attribute(TemplateExpression, String)
        /// `value[index]`.
        case `subscript`(TemplateExpression, TemplateExpression)
        /// `value[start:stop:step]`.
        case slice(TemplateExpression, start: TemplateExpression?, stop: TemplateExpression?, step: TemplateExpression?)
        case call(TemplateExpression, TemplateArguments)
        /// `value | name(arguments)`.
        case filter(TemplateExpression, name: String, TemplateArguments)
        /// `value is [not] name(arguments)`.
        case test(TemplateExpression, name: String, TemplateArguments, negated: Bool)
        case not(TemplateExpression)
        case negate(TemplateExpression)
        case binary(TemplateBinaryOperator, TemplateExpression, TemplateExpression)
        /// `value if condition else otherwise`.
        case conditional(TemplateExpression, condition: TemplateExpression, otherwise: TemplateExpression?)
    }

    var kind: Kind
    var offset: Int
}

/// Positional and keyword arguments of a call, filter or test.
struct TemplateArguments: Sendable {
    var positional: [TemplateExpression] = []
    var keyword: [(name: String, value: TemplateExpression)] = []

    static let empty = TemplateArguments()
}

enum TemplateBinaryOperator: String, Sendable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in`, notIn = "not in"
    case add = "+", subtract = "-", concatenate = "~"
    case multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

/// A statement or piece of output.
indirect enum TemplateNode: Sendable {
    case text(String)
    case output(TemplateExpression)
    /// `{% if %}…{% elif %}…{% else %}…{% endif %}`.
    case conditional(branches: [(condition: TemplateExpression, body: [TemplateNode])], otherwise: [TemplateNode])
    /// `{% for a, b in items if condition %}…{% else %}…{% endfor %}`.
    case loop(
        targets: [String], iterable: TemplateExpression, condition: TemplateExpression?, body: [TemplateNode],
        otherwise: [TemplateNode], offset: Int)
    /// `{% set name = value %}`, `{% set a, b = value %}`.
    case assign(targets: [String], value: TemplateExpression, offset: Int)
    /// `{% set namespace.attribute = value %}`.
    case assignAttribute(object: String, attribute: String, value: TemplateExpression, offset: Int)
    /// `{% set name %}…{% endset %}`.
    case assignBlock(name: String, body: [TemplateNode])
    case breakLoop
    case continueLoop
}
