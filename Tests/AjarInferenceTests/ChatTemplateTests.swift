import Testing

@testable import AjarInference

/// The Jinja subset on small templates. Each expected output was produced by jinja2 3.1 configured as
/// HF transformers configures it (trim_blocks, lstrip_blocks, loopcontrols) and checked by hand.
@Suite struct ChatTemplateTests {
    static let messages: [(role: String, content: String)] = [("system", "S"), ("user", " Hi "), ("assistant", "Yo")]

    static func render(_ source: String, variables: [String: TemplateValue] = [:]) throws -> String {
        try ChatTemplate(source: source).render(
            messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>", variables: variables)
    }

    /// (template, what jinja2 renders).
    static let cases: [(String, String)] = [
        (
            "{{ 'a' ~ 1 ~ none ~ true }}",
            "a1NoneTrue"
        ),
        (
            "{{ 1 + 2 * 3 - 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1.5 + 1 }} {{ 10 / 4 }}",
            "5.0 3 -4 2 1024 2.5 2.5"
        ),
        (
            "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.length }}{{ '|' if not loop.last }}{% endfor %}",
            "1/0/3/3|2/1/2/3|3/2/1/3"
        ),
        (
            "{% for m in messages %}{% if loop.first %}[{% endif %}{{ m.role }}{% if loop.last %}]{% endif %}{% endfor %}",
            "[systemuserassistant]"
        ),
        (
            "{% for m in messages if m.role != 'system' %}{{ loop.index }}:{{ m['content'] | trim }} {% endfor %}",
            "1:Hi 2:Yo "
        ),
        (
            "{% for m in [] %}x{% else %}empty{% endfor %}",
            "empty"
        ),
        (
            "{% for m in messages %}{% if m.role == 'user' %}{% continue %}{% endif %}{{ m.role }}{% if m.role == 'system' %}{% break %}{% endif %}{% endfor %}",
            "system"
        ),
        (
            "{% set x = 1 %}{% for i in range(3) %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}",
            "1231"
        ),
        (
            "{% set ns = namespace(total=0) %}{% for i in range(1, 5) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}",
            "10"
        ),
        (
            "{% set a, b = [1, 'two'] %}{{ b }}{{ a }}",
            "two1"
        ),
        (
            "{% set block %}  inner {{ 42 }}{% endset %}[{{ block }}]",
            "[  inner 42]"
        ),
        (
            "{{ messages[-1]['content'] }} {{ messages[0].role }} {{ messages[1:] | length }} {{ messages[::-1][0].role }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }}",
            "Yo system 2 assistant el olleh"
        ),
        (
            "{{ messages | selectattr('role', 'equalto', 'user') | list | length }} {{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | join(',') }}",
            "1 system,assistant"
        ),
        (
            "{{ {'b': 1, 'a': [1, 2.5, none, true, 'x\"y']} | tojson }}",
            "{\"b\": 1, \"a\": [1, 2.5, null, true, \"x\\\"y\"]}"
        ),
        (
            "{{ {'a': {'b': [1, 2]}} | tojson(indent=2) }}",
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ]\n  }\n}"
        ),
        (
            "{{ [1, 'a', none, true] }} {{ {'k': 'v'} }} {{ none }} {{ true }} {{ 3.0 }} {{ 1e-5 }}",
            "[1, 'a', None, True] {'k': 'v'} None True 3.0 1e-05"
        ),
        (
            "{% if x is defined %}d{% else %}u{% endif %}{% if none is none %}N{% endif %}{% if 'a' is string %}S{% endif %}{% if 3 is number %}#{% endif %}{% if 4 is divisibleby 2 %}2{% endif %}{% if 3 is odd %}o{% endif %}",
            "uNS#2o"
        ),
        (
            "{{ 'a' in 'cat' }} {{ 'z' not in ['a', 'b'] }} {{ 'role' in messages[0] }} {{ not 1 == 2 }} {{ 1 < 2 < 3 }} {{ 'a' < 'b' }}",
            "True True True True True True"
        ),
        (
            "{{ none or 'fallback' }} {{ 0 and 'x' }} {{ 'x' if false else 'y' }} {{ 'x' if false }}.",
            "fallback 0 y ."
        ),
        (
            "{{ '  Title case here ' | trim | title }} {{ 'ABC' | lower }} {{ 'abc' | upper }} {{ 'hello world' | capitalize }} {{ x | default('dflt') }}",
            "Title Case Here abc ABC Hello world dflt"
        ),
        (
            "{{ ' a b  c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'xxhixx'.strip('x') }} {{ 'Hello'.startswith('He') }} {{ 'Hello'.endswith(('x', 'lo')) }} {{ 'a-b'.replace('-', '+') }} {{ ', '.join(['a', 'b']) }}",
            "['a', 'b', 'c'] ['a', 'b', '', 'c'] hi True True a+b a, b"
        ),
        (
            "{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% for k in {'p': 1, 'q': 2} %}{{ k }}{% endfor %}",
            "x=1;y=2;pq"
        ),
        (
            "{{ {'a': 1}.get('a') }} {{ {'a': 1}.get('b', 'none-here') }} {{ {'a': 1}.keys() | list }}",
            "1 none-here ['a']"
        ),
        (
            "  {% if true %}\n    yes\n  {% endif %}\nend",
            "    yes\nend"
        ),
        (
            "a  {%- if true -%}  b  {%- endif -%}  c\n{{- ' d ' -}}\n e",
            "abc d e"
        ),
        (
            "{# a comment #}\n{%+ if true %}x{% endif %}\n  {#- trimmed -#}  y",
            "xy"
        ),
        (
            "{{ \"esc\\tapes\\n\\u00e9\\x41\" }}|{{ 'it''s' }}|{{ 'a' 'b' }}",
            "esc\tapes\néA|its|ab"
        ),
        (
            "{{ [1, 2] + [3] }} {{ 'ab' * 3 }} {{ (1, 2) | length }} {{ [3, 1] | first }} {{ [3, 1] | last }} {{ 'abc' | reverse }} {{ -3 | abs }}",
            "[1, 2, 3] ababab 2 3 1 cba 3"
        ),
        (
            "{{ '42' | int + 1 }} {{ 3 | float }} {{ 3.7 | int }} {{ 5 | string ~ '!' }} {{ [1,2] | tojson }} {{ 'é' | tojson }}",
            "43 3.0 3 5! [1, 2] \"é\""
        ),
        (
            "{{ messages[5] is defined }} {{ messages[0].missing is defined }} {{ (messages | first).role }}",
            "False False system"
        ),
    ]

    @Test("renders as jinja2 does", arguments: 0..<ChatTemplateTests.cases.count)
    func rendersLikeJinja2(_ index: Int) throws {
        let (source, expected) = Self.cases[index]
        #expect(try Self.render(source) == expected, "\(source)")
    }

    // MARK: - Errors

    @Test("raise_exception rejects the conversation with the template's message")
    func raiseException() {
        #expect(throws: ChatTemplateError.raised(message: "roles must alternate")) {
            try Self.render(
                "{% if messages[1].role == 'user' %}{{ raise_exception('roles must alternate') }}{% endif %}")
        }
    }

    @Test(
        "malformed templates are syntax errors with line and column",
        arguments: [
            ("{{ 'unclosed' ", ChatTemplateError.syntax(message: "unclosed '{{'", line: 1, column: 1)),
            ("ok\n  {% if true %}x", .syntax(message: "missing '{% endif %}'", line: 2, column: 3)),
            ("{% endfor %}", .syntax(message: "unexpected statement 'endfor'", line: 1, column: 1)),
            (
                "{% for x in %}{% endfor %}",
                .syntax(message: "expected an expression, found the end of the tag", line: 1, column: 1)
            ),
            ("{{ 'a' + }}", .syntax(message: "expected an expression, found the end of the tag", line: 1, column: 1)),
            ("{{ 1 2 }}", .syntax(message: "expected the end of the tag, found 2", line: 1, column: 6)),
            ("{{ 'abc }}", .syntax(message: "unterminated string", line: 1, column: 4)),
            ("{# never closed", .syntax(message: "unclosed comment '{#'", line: 1, column: 1)),
            ("{{ a ? b }}", .syntax(message: "unexpected character '?'", line: 1, column: 6)),
            ("{% frobnicate %}", .syntax(message: "unexpected statement 'frobnicate'", line: 1, column: 1)),
        ] as [(String, ChatTemplateError)])
    func syntaxErrors(_ source: String, _ expected: ChatTemplateError) {
        #expect(throws: expected) { try ChatTemplate(source: source) }
    }

    @Test(
        "constructs outside the subset are named, with their position",
        arguments: [
            (
                "{% macro m() %}{% endmacro %}",
                ChatTemplateError.unsupported(construct: "statement 'macro'", line: 1, column: 1)
            ),
            ("a\n{{ x | wordwrap }}", .unsupported(construct: "filter 'wordwrap'", line: 2, column: 6)),
            ("{{ 1 is sameish 1 }}", .unsupported(construct: "test 'sameish'", line: 1, column: 6)),
            ("{{ strftime_now('%Y') }}", .unsupported(construct: "function 'strftime_now'", line: 1, column: 4)),
            ("{{ 'a %s' % 'b' }}", .unsupported(construct: "string formatting with '%'", line: 1, column: 11)),
            ("{{ [1].append(2) }}", .unsupported(construct: "method 'append' on list", line: 1, column: 7)),
            (
                "{% for x in xs recursive %}{% endfor %}",
                .unsupported(construct: "recursive for loops", line: 1, column: 1)
            ),
        ] as [(String, ChatTemplateError)])
    func unsupportedConstructs(_ source: String, _ expected: ChatTemplateError) {
        #expect(throws: expected) { try Self.render(source) }
    }

    @Test(
        "type errors are reported, not rendered as something else",
        arguments: [
            (
                "{{ 'a' + 1 }}",
                ChatTemplateError.type(
                    message: "unsupported operand types for '+': string and integer", line: 1, column: 8)
            ),
            ("{{ nothing + 'x' }}", .type(message: "'nothing' is undefined (used with '+')", line: 1, column: 12)),
            ("{{ nothing.role }}", .type(message: "'nothing' is undefined (reading '.role')", line: 1, column: 11)),
            ("{{ 1 / 0 }}", .type(message: "division by zero", line: 1, column: 6)),
            ("{% for x in 5 %}{% endfor %}", .type(message: "cannot iterate over integer", line: 1, column: 13)),
            (
                "{% set x = 1 %}{% set x.y = 2 %}",
                .type(message: "cannot set attribute 'y' on 'x', which is not a namespace", line: 1, column: 16)
            ),
        ] as [(String, ChatTemplateError)])
    func typeErrors(_ source: String, _ expected: ChatTemplateError) {
        #expect(throws: expected) { try Self.render(source) }
    }

    @Test("runaway templates stop at a limit instead of exhausting memory or the stack")
    func limits() throws {
        #expect(throws: ChatTemplateError.limitExceeded(message: "range() longer than 100000", line: 1, column: 13)) {
            try Self.render("{% for i in range(1000000000) %}{% endfor %}")
        }
        #expect(throws: ChatTemplateError.limitExceeded(message: "a value larger than 8388608", line: 1, column: 8)) {
            try Self.render("{{ 'x' * 100000000 }}")
        }
        let deep = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        #expect(throws: (any Error).self) { try ChatTemplate(source: "{{ \(deep) }}") }
        #expect(throws: ChatTemplateError.limitExceeded(message: "integer overflow", line: 1, column: 6)) {
            try Self.render("{{ 2 ** 100 }}")
        }
        let nestedBlocks = String(repeating: "{% if true %}", count: 100) + String(repeating: "{% endif %}", count: 100)
        #expect(throws: ChatTemplateError.limitExceeded(message: "blocks nested deeper than 64", line: 1, column: 820))
        {
            try ChatTemplate(source: nestedBlocks)
        }
        let growing = "{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}"
        #expect(throws: ChatTemplateError.self) { try Self.render(growing) }
        let smallest = "(-9223372036854775807 - 1)"
        #expect(throws: ChatTemplateError.self) { try Self.render("{{ range(0, \(smallest), -1) | length }}") }
        #expect(
            try Self.render("{{ \(smallest) is divisibleby(-1) }} {{ \(smallest) // 2 }}")
                == "True -4611686018427387904")
    }

    @Test("extra variables are visible and tools defaults to none, as in transformers")
    func variables() throws {
        #expect(
            try Self.render("{{ greeting }}, {{ tools is none }}", variables: ["greeting": .string("hey")])
                == "hey, True")
        #expect(
            try Self.render("{{ add_generation_prompt }} {{ bos_token }}{{ eos_token }} {{ messages | length }}")
                == "True <s></s> 3")
    }

    @Test("errors describe themselves for logs")
    func descriptions() {
        #expect(
            ChatTemplateError.unsupported(construct: "filter 'x'", line: 2, column: 5).description
                == "chat template uses filter 'x' at 2:5, which is not supported")
        #expect(ChatTemplateError.raised(message: "no").description == "chat template rejected the conversation: no")
    }
}
