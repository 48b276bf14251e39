import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import NIOPosix

/// The process entry point. It first makes SwiftNIO's event loops Swift Concurrency's global
/// executor, so request handling does not hop between NIO's threads and the cooperative pool
/// (PERF-NOTES; `AJAR_NIO_EXECUTOR=0` turns this off, for comparison), then runs the command line.
@main
enum Entry {
    static func main() {
        if ProcessInfo.processInfo.environment["AJAR_NIO_EXECUTOR"] != "0" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        Task {
            await Ajar.main()
            exit(0)
        }
        dispatchMain()
    }
}

/// `ajar`: the gateway's command line. Each subcommand's `run()` only calls into the libraries.
struct Ajar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ajar",
        abstract: "A self-hosted AI gateway: one OpenAI- and Anthropic-compatible API in front of open and closed models.",
        version: "0.1.0",
        subcommands: [Serve.self, CheckConfig.self, Models.self, Keys.self, Audit.self, UsageReport.self, Chat.self],
        defaultSubcommand: Serve.self)
}
