import ArgumentParser

/// `ajar`: the gateway's command line. Each subcommand's `run()` only calls into the libraries.
@main
struct Ajar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ajar",
        abstract: "A self-hosted AI gateway: one OpenAI- and Anthropic-compatible API in front of open and closed models.",
        version: "0.1.0",
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self)
}
