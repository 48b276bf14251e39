import AjarCore
import Foundation
import Testing

@testable import AjarGateway

/// `ConfigLoader.parse(_:environment:)`: the documented examples parse, `${ENV}` references
/// resolve (or disable a provider), and every mistake names its key path and line.
@Suite struct ConfigLoaderTests {
    /// The example of README.md's "Configuration" section, verbatim.
    static let readmeExample = """
        server:
          host: 127.0.0.1
          port: 8080
        providers:
          openai:
            type: openai            # openai | anthropic | gemini (openai = any OpenAI-compatible server)
            base_url: https://api.openai.com/v1
            api_key: ${OPENAI_API_KEY}
            timeout: 60             # seconds for a whole non-streamed answer, or between two stream events
          anthropic:
            type: anthropic
            base_url: https://api.anthropic.com
            api_key: ${ANTHROPIC_API_KEY}
          gemini:
            type: gemini
            base_url: https://generativelanguage.googleapis.com
            api_key: ${GEMINI_API_KEY}
        models:
          fast:
            deployments:            # tried in order
              - provider: openai
                model: gpt-4o-mini
              - provider: anthropic
                model: claude-3-5-haiku-latest
        """

    static let allKeys = [
        "OPENAI_API_KEY": "sk-openai-SECRET-111", "ANTHROPIC_API_KEY": "sk-ant-SECRET-222",
        "GEMINI_API_KEY": "gm-SECRET-333",
    ]

    /// The repository's default `ajar.yaml`.
    static var repoConfigPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ajar.yaml").path
    }

    /// The 1-based line of the first line of `text` that holds `fragment` (after indentation, and
    /// before an optional comment).
    static func line(of fragment: String, in text: String) -> Int? {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { line in
            let content = line.trimmingCharacters(in: .whitespaces)
            return content == fragment || content.hasPrefix(fragment + " ")
        }.map { $0 + 1 }
    }

    static func parseError(_ text: String, environment: [String: String] = allKeys) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(text, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Examples that parse

    @Test("the README example parses, in file order, with every key resolved")
    func readmeExampleParses() throws {
        let config = try ConfigLoader.parse(Self.readmeExample, environment: Self.allKeys)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.providers.map(\.name) == ["openai", "anthropic", "gemini"])
        #expect(config.providers.map(\.kind) == [.openai, .anthropic, .gemini])
        #expect(
            config.providers.map(\.baseURL) == [
                "https://api.openai.com/v1", "https://api.anthropic.com", "https://generativelanguage.googleapis.com",
            ])
        #expect(
            config.providers.map { $0.apiKey?.value } == ["sk-openai-SECRET-111", "sk-ant-SECRET-222", "gm-SECRET-333"])
        #expect(config.providers.allSatisfy { $0.isEnabled })
        #expect(config.providers.map(\.timeout) == [60, 60, 60])
        #expect(config.models.map(\.alias) == ["fast"])
        #expect(
            config.models.first?.deployments == [
                DeploymentConfig(provider: "openai", model: "gpt-4o-mini"),
                DeploymentConfig(provider: "anthropic", model: "claude-3-5-haiku-latest"),
            ])
        #expect(
            config.models.first?.deployments.map(\.id) == ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"])
        #expect(config.provider(named: "gemini")?.kind == .gemini)
        #expect(config.provider(named: "nope") == nil)
    }

    @Test("the repository's ajar.yaml loads with the documented values")
    func repositoryConfigLoads() throws {
        let config = try ConfigLoader.load(path: Self.repoConfigPath, environment: Self.allKeys)
        #expect(config.server.maxBody == 16_777_216)
        #expect(Array(config.providers.map(\.name).prefix(3)) == ["openai", "anthropic", "gemini"])
        #expect(config.providers.prefix(3).allSatisfy { $0.isEnabled })
        let fast = try #require(config.models.first { $0.alias == "fast" })
        #expect(
            fast.deployments.map(\.id) == [
                "openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "gemini/gemini-2.0-flash",
            ])
        #expect(config.retry.attempts == 2 && config.retry.initialBackoff == 0.25 && config.retry.maxBackoff == 8)
        #expect(config.retry.maxRetryAfter == 30)
        #expect(config.circuitBreaker.failureThreshold == 5 && config.circuitBreaker.cooldown == 30)
        #expect(config.logging.level == "info" && config.logging.format == .text)
        // Relative model paths resolve against the file's directory.
        let directory = (Self.repoConfigPath as NSString).deletingLastPathComponent
        #expect(config.directory == directory)
        #expect(config.resolvePath("models/a.gguf") == directory + "/models/a.gguf")
        #expect(config.resolvePath("/abs/a.gguf") == "/abs/a.gguf")
    }

    @Test("a local provider reads its engine keys and needs no URL")
    func localProvider() throws {
        let text = "providers:\n  local:\n    type: local\n    threads: 4\n    context_length: 2048\n    max_queue: 0\n"
        let local = try #require(try ConfigLoader.parse(text, environment: [:]).provider(named: "local"))
        #expect(local.kind == .local && local.isEnabled)
        #expect(local.threads == 4 && local.contextLength == 2048 && local.maxQueue == 0)
        let defaults = try #require(
            try ConfigLoader.parse("providers:\n  l:\n    type: local\n", environment: [:]).provider(named: "l"))
        #expect(defaults.threads == nil && defaults.contextLength == 4096 && defaults.maxQueue == 16)
        let error = Self.parseError("providers:\n  l:\n    type: local\n    threads: 0\n")
        #expect(error?.path == "providers.l.threads")
        #expect(error?.line == 4)
    }

    @Test(
        "without the keys' variables, providers are disabled with the variable named, and the server config still loads"
    )
    func unsetKeysDisable() throws {
        let config = try ConfigLoader.parse(Self.readmeExample, environment: ["OPENAI_API_KEY": "sk-x"])
        #expect(config.provider(named: "openai")?.isEnabled == true)
        #expect(config.provider(named: "anthropic")?.disabledReason == "ANTHROPIC_API_KEY is not set")
        #expect(config.provider(named: "gemini")?.disabledReason == "GEMINI_API_KEY is not set")
        #expect(config.provider(named: "gemini")?.apiKey == nil)
        let none = try ConfigLoader.parse(Self.readmeExample, environment: [:])
        #expect(none.provider(named: "openai")?.disabledReason == "OPENAI_API_KEY is not set")
        #expect(none.providers.allSatisfy { !$0.isEnabled })
    }

    @Test("an empty variable counts as unset, and an empty literal key disables the provider")
    func emptyKeys() throws {
        let config = try ConfigLoader.parse(Self.readmeExample, environment: ["OPENAI_API_KEY": ""])
        #expect(config.provider(named: "openai")?.disabledReason == "OPENAI_API_KEY is not set")
        let literal = try ConfigLoader.parse(
            "providers:\n  local:\n    type: openai\n    api_key: \"\"\n", environment: [:])
        #expect(literal.provider(named: "local")?.disabledReason == "its api_key is empty")
    }

    @Test("a provider without api_key is enabled and sends none")
    func noKey() throws {
        let config = try ConfigLoader.parse(
            "providers:\n  ollama:\n    type: openai\n    base_url: http://127.0.0.1:11434/v1\n", environment: [:])
        #expect(config.provider(named: "ollama")?.isEnabled == true)
        #expect(config.provider(named: "ollama")?.apiKey == nil)
    }

    @Test("the key never appears in any description of the configuration or its providers")
    func keyNeverPrinted() throws {
        let config = try ConfigLoader.parse(Self.readmeExample, environment: Self.allKeys)
        var dumped = ""
        dump(config, to: &dumped)
        dump(config.providers, to: &dumped)
        let renderings = [
            String(describing: config), String(reflecting: config), "\(config.providers)",
            String(reflecting: config.providers), dumped, "\(config.providers.map(\.apiKey))",
        ]
        for text in renderings {
            #expect(!text.contains("SECRET"), "leaks a key: \(text.prefix(300))")
        }
    }

    @Test("defaults apply when sections are absent")
    func defaults() throws {
        for text in ["", "# nothing\n", "server:\n", "server: {}\nproviders: {}\nmodels: {}\n"] {
            let config = try ConfigLoader.parse(text, environment: [:])
            #expect(config.server.host == "127.0.0.1")
            #expect(config.server.port == 8080)
            #expect(config.server.maxBody == 16 << 20)
            #expect(config.providers.isEmpty && config.models.isEmpty)
            #expect(config.retry.attempts == 2)
            #expect(config.retry.initialBackoff == 0.25)
            #expect(config.retry.maxBackoff == 8)
            #expect(config.retry.maxRetryAfter == 30)
            #expect(config.circuitBreaker.failureThreshold == 5)
            #expect(config.circuitBreaker.cooldown == 30)
            #expect(config.logging.level == "info")
            #expect(config.logging.format == .text)
        }
    }

    @Test("providers default to their vendor's base URL, timeout, pool size and token field")
    func providerDefaults() throws {
        let text = "providers:\n  o:\n    type: openai\n  a:\n    type: anthropic\n  g:\n    type: gemini\n"
        let config = try ConfigLoader.parse(text, environment: [:])
        #expect(
            config.providers.map(\.baseURL) == [
                "https://api.openai.com/v1", "https://api.anthropic.com", "https://generativelanguage.googleapis.com",
            ])
        #expect(
            config.providers.allSatisfy { $0.timeout == 60 && $0.maxConnections == 512 && $0.maxTokensField == nil })
        #expect(config.providers.allSatisfy { $0.headers.isEmpty })
    }

    @Test("every section's keys are read")
    func everyKey() throws {
        let text = """
            server:
              host: 0.0.0.0
              port: 9090
              max_body: 2MiB
            providers:
              local:
                type: openai
                base_url: http://127.0.0.1:8000/v1
                timeout: 2.5
                max_connections: 16
                max_tokens_field: max_completion_tokens
                headers:
                  x-org: ${ORG}
                  x-fixed: yes
            retry:
              attempts: 4
              initial_backoff: 0.1
              max_backoff: 3
              max_retry_after: 12
            circuit_breaker:
              failure_threshold: 7
              cooldown: 1.5
            logging:
              level: debug
              format: json
            """
        let config = try ConfigLoader.parse(text, environment: ["ORG": "acme"])
        #expect(config.server.host == "0.0.0.0" && config.server.port == 9090 && config.server.maxBody == 2 << 20)
        let local = try #require(config.provider(named: "local"))
        #expect(local.timeout == 2.5 && local.maxConnections == 16 && local.maxTokensField == "max_completion_tokens")
        #expect(local.headers.map(\.0) == ["x-org", "x-fixed"])
        #expect(local.headers.map(\.1) == ["acme", "yes"])
        #expect(config.retry.attempts == 4 && config.retry.initialBackoff == 0.1)
        #expect(config.retry.maxBackoff == 3 && config.retry.maxRetryAfter == 12)
        #expect(config.circuitBreaker.failureThreshold == 7 && config.circuitBreaker.cooldown == 1.5)
        #expect(config.logging.level == "debug" && config.logging.format == .json)
    }

    // MARK: - Errors

    /// (what is wrong, the README example with one line replaced, the line's new text, key path, message fragment)
    static let mistakes: [(String, String, String, String, String)] = [
        ("unknown top-level key", "providers:", "provders:", "provders", "did you mean 'providers'?"),
        (
            "bad provider type", "type: anthropic", "type: anthropix", "providers.anthropic.type",
            "unknown provider type 'anthropix'; expected openai | anthropic | gemini"
        ),
        (
            "port not a number", "port: 8080", "port: abc", "server.port",
            "expected a whole number from 0 to 65535, got 'abc'"
        ),
        ("port too large", "port: 8080", "port: 70000", "server.port", "got '70000'"),
        (
            "unknown provider in a deployment", "- provider: anthropic", "- provider: anthropc",
            "models.fast.deployments[1].provider",
            "no provider named 'anthropc' (configured: openai, anthropic, gemini)"
        ),
        (
            "base_url without a scheme", "base_url: https://api.anthropic.com", "base_url: api.anthropic.com",
            "providers.anthropic.base_url", "expected an http:// or https:// URL, got 'api.anthropic.com'"
        ),
        (
            "base_url with another scheme", "base_url: https://api.anthropic.com", "base_url: ftp://api.anthropic.com",
            "providers.anthropic.base_url", "expected an http:// or https:// URL"
        ),
        (
            "base_url without a host", "base_url: https://api.anthropic.com", "base_url: https://",
            "providers.anthropic.base_url", "URL"
        ),
        (
            "max_body not a size", "port: 8080", "max_body: lots", "server.max_body",
            "expected a size such as 16MiB or 1048576, got 'lots'"
        ),
        ("max_body with a bad number", "port: 8080", "max_body: 1.2.3MiB", "server.max_body", "expected a size"),
        ("max_body negative", "port: 8080", "max_body: -5", "server.max_body", "expected a size"),
        ("max_body too small", "port: 8080", "max_body: 512", "server.max_body", "must be at least 1KiB"),
        (
            "unknown key inside a provider", "api_key: ${GEMINI_API_KEY}", "api_kye: ${GEMINI_API_KEY}",
            "providers.gemini.api_kye", "unknown key 'api_kye' (did you mean 'api_key'?)"
        ),
        (
            "unknown key inside a deployment", "model: gpt-4o-mini", "modle: gpt-4o-mini",
            "models.fast.deployments[0].modle", "did you mean 'model'?"
        ),
        ("timeout out of range", "timeout: 60", "timeout: 0", "providers.openai.timeout", "expected a number from 0.1"),
        ("timeout not a number", "timeout: 60", "timeout: soon", "providers.openai.timeout", "got 'soon'"),
    ]

    @Test("a mistake names its key path, its line and what was wrong", arguments: mistakes)
    func mistake(what: String, original: String, replacement: String, path: String, message: String) throws {
        let text = Self.readmeExample.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.readmeExample)
        let error = try #require(Self.parseError(text), "\(what): parsed")
        #expect(error.path == path, "\(what)")
        #expect(error.line == Self.line(of: replacement, in: text), "\(what)")
        #expect(error.message.contains(message), "\(what): \(error.message)")
    }

    @Test("a provider without a type says it is required, within the provider's entry")
    func missingType() {
        let error = Self.parseError("providers:\n  openai:\n    base_url: https://api.openai.com/v1\n")
        #expect(error?.path == "providers.openai.type")
        #expect(error?.message == "is required")
        #expect(error?.line == 3)
    }

    @Test(
        "a model without deployments is refused",
        arguments: ["    deployments: []\n", "    deployments:\n", "    {}\n"])
    func emptyDeployments(body: String) {
        let text = "providers:\n  openai:\n    type: openai\nmodels:\n  fast:\n" + body
        let error = Self.parseError(text)
        #expect(error?.path == "models.fast.deployments")
        #expect(error?.message == "a model needs at least one deployment")
        #expect(error?.line == 6)
    }

    @Test("a model with no deployments key at all is refused at the model's line")
    func noDeploymentsKey() {
        let error = Self.parseError("providers:\n  openai:\n    type: openai\nmodels:\n  fast: {}\n")
        #expect(error?.path == "models.fast.deployments")
        #expect(error?.line == 5)
    }

    @Test("a deployment without a model says it is required")
    func deploymentWithoutModel() {
        let error = Self.parseError(
            "providers:\n  openai:\n    type: openai\nmodels:\n  fast:\n    deployments:\n      - provider: openai\n")
        #expect(error?.path == "models.fast.deployments[0].model")
        #expect(error?.message == "is required")
    }

    @Test(
        "invalid YAML is refused with its line",
        arguments: [
            ("server:\n  host: 127.0.0.1\n\tport: 8080\n", 3, "found a tab character that violates indentation"),
            ("server:\n  host: [127.0.0.1\n  port: 8080\n", 3, "did not find expected ',' or ']'"),
            ("providers:\n  openai:\n    type: \"openai\n", 4, "found unexpected end of stream"),
            ("a: b: c\n", 1, "mapping values are not allowed in this context"),
            ("server:\n  host: x\n   port: 1\n", 3, "mapping values are not allowed in this context"),
            ("- a\nb: c\n", 2, "did not find expected '-' indicator"),
        ] as [(String, Int, String)])
    func invalidYAML(text: String, line: Int, problem: String) {
        let error = Self.parseError(text)
        #expect(error?.path == "")
        #expect(error?.line == line)
        #expect(error?.message == "not valid YAML: \(problem)")
    }

    @Test(
        "a repeated key is refused on one line naming the key and its line",
        arguments: [
            ("providers:\n  openai:\n    type: openai\n  openai:\n    type: anthropic\n", "openai"),
            ("server:\n  port: 1\n  port: 2\n", "port"),
        ])
    func duplicateKeys(text: String, key: String) {
        let error = Self.parseError(text)
        #expect(error?.message.contains("'\(key)'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("\n") == false, "\(String(describing: error))")
        #expect(error?.line != nil, "\(String(describing: error))")
    }

    @Test("a YAML error never echoes the file's text, so a literal key cannot leak into the log")
    func yamlErrorsDoNotEchoKeys() {
        let texts = [
            "providers:\n  openai:\n    type: openai\n    api_key: sk-literal-SECRET-999\n    type: openai\n",
            "providers:\n  openai:\n    api_key: sk-literal-SECRET-999\n    type: [openai\n",
            "providers:\n  openai:\n    type: openai\n    api_key: sk-literal-SECRET-999\u{1}\n",
        ]
        for text in texts {
            let error = Self.parseError(text, environment: [:])
            #expect(error != nil)
            #expect(error?.description.contains("SECRET") == false, "\(String(describing: error))")
        }
    }

    @Test("a document that is not a mapping is refused")
    func notAMapping() {
        let error = Self.parseError("hello\n")
        #expect(error?.line == 1)
        #expect(error?.message == "expected a mapping of keys to values")
    }

    @Test(
        "a section of the wrong shape is an error naming it",
        arguments: [
            ("providers:\n  - openai\n", "providers", "expected a mapping of keys to values"),
            ("server: 8080\n", "server", "expected a mapping of keys to values"),
            (
                "providers:\n  o:\n    type: openai\nmodels:\n  fast:\n    deployments: openai\n",
                "models.fast.deployments", "expected a list"
            ),
            ("server:\n  host: [a, b]\n", "server.host", "expected a single value, not a list or mapping"),
            ("logging:\n  level: verbose\n", "logging.level", "expected one of trace, debug"),
            ("logging:\n  format: xml\n", "logging.format", "expected text or json"),
            ("retry:\n  attempts: 0\n", "retry.attempts", "expected a whole number from 1 to 10"),
            ("circuit_breaker:\n  failure_threshold: many\n", "circuit_breaker.failure_threshold", "got 'many'"),
            (
                "providers:\n  o:\n    type: openai\n    max_tokens_field: tokens\n", "providers.o.max_tokens_field",
                "expected max_tokens or max_completion_tokens"
            ),
        ] as [(String, String, String)])
    func wrongShape(text: String, path: String, message: String) {
        let error = Self.parseError(text)
        #expect(error?.path == path)
        #expect(error?.message.contains(message) == true, "\(String(describing: error?.message))")
    }

    @Test("the error's description reads file:line: path: message")
    func errorDescription() throws {
        let text = Self.readmeExample.replacingOccurrences(of: "- provider: anthropic", with: "- provider: anthropc")
        let error = try #require(Self.parseError(text))
        #expect(
            error.description
                == "config:23: models.fast.deployments[1].provider: no provider named 'anthropc' (configured: openai, anthropic, gemini)"
        )
        var located = error
        located.file = "ajar.yaml"
        #expect(located.description.hasPrefix("ajar.yaml:23: models.fast.deployments[1].provider: "))
        #expect(ConfigError(path: "", line: nil, message: "m").description == "config: m")
    }

    @Test("load names the file in its errors, including when it cannot be read")
    func loadErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ajar-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml").path
        try "server:\n  port: abc\n".write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: file, environment: [:]) }
        #expect(error?.file == file)
        #expect(error?.description == "\(file):2: server.port: expected a whole number from 0 to 65535, got 'abc'")
        let missing = directory.appendingPathComponent("missing.yaml").path
        let unreadable = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: missing, environment: [:]) }
        #expect(unreadable?.file == missing)
        #expect(unreadable?.message.hasPrefix("cannot read the file") == true)
    }
}
