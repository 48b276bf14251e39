import AjarCore
import AjarGateway
import ArgumentParser
import Foundation

/// `ajar models add|list|show`: the model registry from the command line.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "Inspect and register models: their openness, prices and provenance.",
        subcommands: [Add.self, List.self, Show.self], defaultSubcommand: List.self)

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect a model file (GGUF, or a safetensors folder), print the card derived from it, and add it to the configuration.")

        @Argument(help: "A .gguf file or a folder with model.safetensors.")
        var path: String
        @Option(help: "The alias clients will use (default: the file name).")
        var alias: String?
        @Option(help: "The local provider that serves it.")
        var provider = "local"
        @Option(name: .long, help: "The configuration file to add it to.")
        var config = "ajar.yaml"
        @Flag(help: "Print the card and the entry without changing the configuration.")
        var dryRun = false

        func run() async throws {
            let terminal = isatty(STDERR_FILENO) == 1
            var lastPercent = -1
            let inspection: ModelInspector.Inspection
            do {
                // Paths in the config are relative to its folder: keep a relative path only when that is here.
                let configFolder = (config as NSString).deletingLastPathComponent
                let named = path.hasPrefix("/") || configFolder.isEmpty || configFolder == "."
                    ? path : FileManager.default.currentDirectoryPath + "/" + path
                inspection = try ModelInspector.inspect(path: named, alias: alias, provider: provider) { done, total in
                    let percent = total > 0 ? Int(done * 100 / total) : 0
                    // A terminal gets a bar per percent; a log gets a line per quarter.
                    guard terminal ? percent != lastPercent : percent / 25 != lastPercent / 25 else { return }
                    lastPercent = percent
                    if terminal {
                        let width = 30, filled = width * percent / 100
                        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                        FileHandle.standardError.write(Data("\rhashing [\(bar)] \(percent)%".utf8))
                    } else {
                        FileHandle.standardError.write(Data("hashing: \(percent / 25 * 25)%\n".utf8))
                    }
                }
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print(Show.describe(inspection.card))
            let entry = ModelInspector.yamlEntry(inspection)
            if dryRun {
                print("\nconfiguration entry:\n" + entry)
                return
            }
            let loaded = try ConfigFile.load(config)
            if loaded.models.contains(where: { $0.alias == inspection.alias }) {
                FileHandle.standardError.write(Data("error: \(config) already has a model '\(inspection.alias)'; pick another --alias\n".utf8))
                throw ExitCode(1)
            }
            let original = try String(contentsOfFile: config, encoding: .utf8)
            let updated = ModelInspector.insert(entry, into: original)
            do {
                _ = try ConfigLoader.parse(updated, environment: ProcessInfo.processInfo.environment)
            } catch {
                FileHandle.standardError.write(Data("error: the entry would make \(config) invalid: \(error)\n".utf8))
                throw ExitCode(1)
            }
            try updated.write(toFile: config, atomically: true, encoding: .utf8)
            print("\nadded '\(inspection.alias)' to \(config) (pinned by SHA-256)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the registry as a table.")
        @Option(name: .long, help: "The configuration file.")
        var config = "ajar.yaml"

        func run() async throws {
            let loaded = try ConfigFile.load(config)
            var rows = [["ALIAS", "PROVIDER", "HOSTING", "OPENNESS", "LICENCE", "IN $/M", "OUT $/M", "PINNED"]]
            for model in loaded.models {
                for deployment in model.deployments {
                    let hosting = loaded.provider(named: deployment.provider)?.hosting ?? .vendor
                    let card = model.card(for: deployment, hosting: hosting)
                    rows.append([
                        model.alias, deployment.provider, hosting.rawValue, card.opennessClass.rawValue, card.openness.licence,
                        card.pricing.map { Self.price($0.input) } ?? "-", card.pricing.map { Self.price($0.output) } ?? "-",
                        card.provenance?.sha256 == nil ? "" : "sha256",
                    ])
                }
            }
            printTable(rows)
        }

        static func price(_ value: Double) -> String { String(format: "%.3f", value) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one model's card.")
        @Argument(help: "The alias.")
        var id: String
        @Option(name: .long, help: "The configuration file.")
        var config = "ajar.yaml"

        func run() async throws {
            let loaded = try ConfigFile.load(config)
            guard let model = loaded.models.first(where: { $0.alias == id }) else {
                FileHandle.standardError.write(Data("error: no model '\(id)' in \(config)\n".utf8))
                throw ExitCode(1)
            }
            for (index, deployment) in model.deployments.enumerated() {
                if index > 0 { print("") }
                let card = model.card(for: deployment, hosting: loaded.provider(named: deployment.provider)?.hosting ?? .vendor)
                print(Self.describe(card))
                print("deployment:     \(deployment.id)")
            }
        }

        static func describe(_ card: ModelCard) -> String {
            let o = card.openness
            var lines = [
                "model:          \(card.alias)",
                "provider:       \(card.provider) (\(card.hosting.rawValue))",
                "openness class: \(card.opennessClass.rawValue)",
                "  weights \(o.weights.rawValue), code \(o.code.rawValue), training data \(o.trainingData.rawValue), "
                    + "documentation \(o.documentation.rawValue), licence \(o.licence)",
            ]
            if let window = card.contextWindow { lines.append("context window: \(window)") }
            if let price = card.pricing {
                lines.append("price:          input \(price.input), output \(price.output)"
                    + (price.cachedInput.map { ", cached input \($0)" } ?? "") + " USD per million tokens")
            }
            if !card.capabilities.isEmpty {
                lines.append("capabilities:   \(card.capabilities.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            if let p = card.provenance {
                if let source = p.source { lines.append("source:         \(source)") }
                if let base = p.baseModel { lines.append("base model:     \(base)") }
                if let revision = p.revision { lines.append("revision:       \(revision)") }
                if let sha = p.sha256 { lines.append("sha256:         \(sha)") }
            }
            return lines.joined(separator: "\n")
        }
    }
}
