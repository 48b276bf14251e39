// ajar-fake-vendors: runs AjarTesting's fake OpenAI + Anthropic + Gemini server in the foreground,
// for the Python SDK suite and for benchmarks (model `bench-model` on the OpenAI path answers a
// fixed 765-byte chat.completion and is not recorded).
//
//     ajar-fake-vendors --port 18101 [--no-split] [--openai-key K] [--anthropic-key K] [--gemini-key K]
//
// Prints `fake vendors listening on 127.0.0.1:PORT` once listening; stops on SIGINT/SIGTERM.

import AjarTesting
import ArgumentParser
import Foundation

@main
struct FakeVendorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ajar-fake-vendors",
        abstract: "Serve fake OpenAI, Anthropic and Gemini APIs on 127.0.0.1 for tests and benchmarks."
    )

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 18101

    @Flag(name: .customLong("no-split"), help: "Write each stream event whole instead of in awkward 1-17-byte pieces.")
    var noSplit = false

    @Option(name: .customLong("openai-key"), help: "The only OpenAI key accepted (default: any non-empty key).")
    var openAIKey: String?

    @Option(name: .customLong("anthropic-key"), help: "The only Anthropic key accepted (default: any non-empty key).")
    var anthropicKey: String?

    @Option(name: .customLong("gemini-key"), help: "The only Gemini key accepted (default: any non-empty key).")
    var geminiKey: String?

    @Option(help: "Seed for the positions where stream bodies are cut.")
    var seed: UInt64 = 0x414A_4152

    @Flag(name: .customLong("allow-unknown-fields"), help: "Accept request fields the real vendors would reject.")
    var allowUnknownFields = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
    }

    func run() async throws {
        let options = FakeVendorServer.Options(
            openAIKey: openAIKey,
            anthropicKey: anthropicKey,
            geminiKey: geminiKey,
            splitsStreams: !noSplit,
            seed: seed,
            rejectsUnknownFields: !allowUnknownFields
        )
        try await FakeVendorServer.runUntilSignalled(options: options, port: port) { bound in
            // FileHandle writes are unbuffered, so the line is out before anyone waits on it.
            FileHandle.standardOutput.write(Data("fake vendors listening on 127.0.0.1:\(bound)\n".utf8))
        }
    }
}
