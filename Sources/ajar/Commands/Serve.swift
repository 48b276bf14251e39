import AjarGateway
import AjarServer
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOPosix

extension Ajar {
    /// `ajar serve`: runs the gateway until SIGINT or SIGTERM.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the gateway.")

        @Option(name: .long, help: "The configuration file.")
        var config: String = "ajar.yaml"

        @Option(name: .long, help: "Address to listen on (overrides server.host).")
        var host: String?

        @Option(name: .long, help: "Port to listen on (overrides server.port; 0 picks a free port).")
        var port: Int?

        func run() async throws {
            let loaded = try ConfigFile.load(config)
            LoggingSetup.bootstrap(loaded.logging)
            let logger = {
                var logger = Logger(label: "ajar")
                logger.logLevel = LoggingSetup.level(loaded.logging)
                return logger
            }()

            let gateway = Gateway(config: loaded)
            let disabled = gateway.disabledProviders
            if disabled.isEmpty {
                logger.info("all providers enabled", metadata: ["providers": "\(loaded.providers.map(\.name).joined(separator: ","))"])
            } else {
                let reasons = disabled.map { "\($0.name) (\($0.reason))" }.joined(separator: ", ")
                logger.notice("providers disabled: \(reasons)")
            }
            for (deployment, reason) in gateway.localFailures.sorted(by: { $0.key < $1.key }) {
                logger.error("local model unavailable: \(deployment): \(reason)")
            }
            let host = host ?? loaded.server.host
            let port = port ?? loaded.server.port
            let app = buildApplication(gateway: gateway, host: host, port: port, logger: logger) { bound in
                logger.notice("ajar listening on http://\(host):\(bound)", metadata: ["models": "\(gateway.models.count)"])
            }
            do {
                try await app.runService()
            } catch {
                await gateway.shutdown()
                throw error
            }
            await gateway.shutdown()
        }
    }

    /// `ajar check-config`: validates a configuration file and prints what it configures.
    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a configuration file.")

        @Option(name: .long, help: "The configuration file.")
        var config: String = "ajar.yaml"

        func run() async throws {
            let loaded = try ConfigFile.load(config)
            print("\(config): ok")
            for provider in loaded.providers {
                let state = provider.disabledReason.map { "disabled: \($0)" } ?? "enabled"
                print("provider \(provider.name) (\(provider.kind.rawValue), \(provider.baseURL)): \(state)")
            }
            for model in loaded.models {
                print("model \(model.alias): \(model.deployments.map(\.id).joined(separator: " -> "))")
            }
        }
    }
}

/// Loads the configuration, turning a problem into a one-line error and exit status 1 (never a
/// stack trace).
enum ConfigFile {
    static func load(_ path: String) throws -> AjarConfig {
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
