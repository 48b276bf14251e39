import AjarCore
import AjarGateway
import AjarStore
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

            let host = host ?? loaded.server.host
            let port = port ?? loaded.server.port
            if loaded.adminKey == nil, !["127.0.0.1", "localhost", "::1"].contains(host) {
                FileHandle.standardError.write(Data("""
                    error: refusing to listen on \(host) without an admin key: anyone who can reach it could use every                     model and spend every budget. Set AJAR_ADMIN_KEY (or auth.admin_key in \(config)), then create keys                     with `ajar keys create`; or listen on 127.0.0.1.

                    """.utf8))
                throw ExitCode(1)
            }
            let opened = try await StoreAccess.accountant(loaded, serving: true, logger: logger)
            let accountant = opened?.accountant
            if let opened {
                // Reservations of requests that died with an earlier process are released.
                _ = try? await opened.store.releaseReservations(olderThan: Date().addingTimeInterval(-600))
            } else {
                logger.warning("storage: none — no keys, budgets, usage or audit records")
            }
            defer { opened?.task.cancel() }
            let metrics = MetricsExport()
            let gateway = Gateway(config: loaded, accountant: accountant, metrics: metrics.gatewayMetrics)
            let disabled = gateway.disabledProviders
            if disabled.isEmpty {
                logger.info("all providers enabled", metadata: ["providers": "\(loaded.providers.map(\.name).joined(separator: ","))"])
            } else {
                let reasons = disabled.map { "\($0.name) (\($0.reason))" }.joined(separator: ", ")
                logger.notice("providers disabled: \(reasons)")
            }
            await StoreAccess.reportLocalFailures(gateway, accountant: accountant) { logger.error("\($0)") }
            let app = buildApplication(gateway: gateway, host: host, port: port, logger: logger, metrics: metrics) { bound in
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

/// Opens the configured store, as a one-line error on failure.
enum StoreAccess {
    static func open(_ config: AjarConfig, serving: Bool = false, logger: Logger) throws -> any GatewayStore {
        do {
            return try config.resolvedStorage.makeStore(serving: serving, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: cannot open the store: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Runs `body` with the store open and migrated (the PostgreSQL pool running meanwhile), and
    /// closes it afterwards, also when `body` throws.
    static func with<T: Sendable>(_ configPath: String, _ body: @Sendable (any GatewayStore, AjarConfig) async throws -> T) async throws -> T {
        let config = try ConfigFile.load(configPath)
        var logger = Logger(label: "ajar")
        logger.logLevel = .error
        let store = try open(config, logger: logger)
        let task = Task { await store.run() }
        defer { task.cancel() }
        do {
            try await store.migrate()
            let result = try await body(store, config)
            try? await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// The configured store opened, running (cancel `task` to stop it) and migrated, with the
    /// accountant over it; `nil` with `storage: none`.
    static func accountant(_ config: AjarConfig, serving: Bool, logger: Logger) async throws
        -> (accountant: Accountant, store: any GatewayStore, task: Task<Void, Never>)?
    {
        guard !config.storageDisabled else { return nil }
        let store = try open(config, serving: serving, logger: logger)
        let task = Task { await store.run() }
        do {
            try await store.migrate()
        } catch {
            task.cancel()
            FileHandle.standardError.write(Data("error: cannot open the store: \(error)\n".utf8))
            throw ExitCode(1)
        }
        return (Accountant(store: store, adminKey: config.adminKey, localComputePrice: config.localComputePrice), store, task)
    }

    /// Reports each local model that failed to load (a pin mismatch among them) and audits it.
    static func reportLocalFailures(_ gateway: Gateway, accountant: Accountant?, report: (String) -> Void) async {
        for (deployment, reason) in gateway.localFailures.sorted(by: { $0.key < $1.key }) {
            report("local model unavailable: \(deployment): \(reason)")
            await accountant?.audit(
                action: "model.unavailable", requestID: "startup",
                details: ["deployment": .string(deployment), "reason": .string(reason)])
        }
    }
}
