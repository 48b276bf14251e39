import AjarCore
import Testing

@testable import AjarGateway

/// `${ENV}` expansion and byte sizes.
extension ConfigLoaderTests {
    // MARK: - Environment

    @Test("${VAR:-default} uses the variable when set and non-empty, else the default")
    func defaultValues() throws {
        let text =
            "providers:\n  openai:\n    type: openai\n    base_url: ${OPENAI_BASE_URL:-https://api.openai.com/v1}\n"
        let unset = try ConfigLoader.parse(text, environment: [:])
        #expect(unset.provider(named: "openai")?.baseURL == "https://api.openai.com/v1")
        let set = try ConfigLoader.parse(text, environment: ["OPENAI_BASE_URL": "http://proxy:8080/v1"])
        #expect(set.provider(named: "openai")?.baseURL == "http://proxy:8080/v1")
        let empty = try ConfigLoader.parse(text, environment: ["OPENAI_BASE_URL": ""])
        #expect(empty.provider(named: "openai")?.baseURL == "https://api.openai.com/v1")
    }

    static let expansions: [(String, [String: String], String, [String])] = [
        ("plain", [:], "plain", []),
        ("${A}", ["A": "x"], "x", []),
        ("pre-${A}-post", ["A": "x"], "pre-x-post", []),
        ("${A:-d}", [:], "d", []),
        ("${A:-d}", ["A": ""], "d", []),
        ("${A:-}", [:], "", []),
        ("${A:-a:-b}", [:], "a:-b", []),
        ("${A}", [:], "", ["A"]),
        ("${A}${B}", ["B": "b"], "b", ["A"]),
        ("$$", [:], "$", []),
        ("$${A}", ["A": "x"], "${A}", []),
        ("cost $5", [:], "cost $5", []),
        ("${A", ["A": "x"], "${A", []),
        ("$", [:], "$", []),
    ]

    @Test("expands ${NAME}, ${NAME:-default} and $$, reporting unset names", arguments: expansions)
    func expander(text: String, environment: [String: String], expected: String, missing: [String]) {
        var unset: [String] = []
        #expect(EnvironmentExpander.expand(text, environment: environment) { unset.append($0) } == expected)
        #expect(unset == missing)
    }

    @Test("an unset variable outside api_key is an error naming it, the key path and the line")
    func unsetElsewhere() {
        let text = "providers:\n  openai:\n    type: openai\n    base_url: ${BASE}\n"
        let error = Self.parseError(text, environment: [:])
        #expect(error?.path == "providers.openai.base_url")
        #expect(error?.line == 4)
        #expect(error?.message == "environment variable BASE is not set")
    }

    // MARK: - Sizes

    static let sizes: [(String, Int)] = [
        ("16MiB", 16_777_216),
        ("1048576", 1_048_576),
        ("512KiB", 524_288),
        ("1GiB", 1_073_741_824),
        ("1GB", 1_000_000_000),
        ("5MB", 5_000_000),
        ("64KB", 64_000),
        ("2M", 2_097_152),
        ("4K", 4096),
        ("2048B", 2048),
        ("1.5MiB", 1_572_864),
        ("16 MiB", 16_777_216),
    ]

    @Test("max_body reads sizes with and without units", arguments: sizes)
    func maxBody(text: String, bytes: Int) throws {
        let config = try ConfigLoader.parse("server:\n  max_body: \(text)\n", environment: [:])
        #expect(config.server.maxBody == bytes)
    }
}
