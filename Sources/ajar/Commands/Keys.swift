import AjarCore
import AjarGateway
import AjarStore
import ArgumentParser
import Foundation

/// `ajar keys create|list|rotate|revoke`: virtual API keys, straight on the configured store.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list, rotate and revoke API keys.",
        subcommands: [Create.self, List.self, Rotate.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed once.")
        @Option(help: "The application the key is for.") var app: String
        @Option(help: "Its team (team budgets apply).") var team: String?
        @Option(help: "Its risk tier (default: policy.default_tier).") var tier: String?
        @Option(help: "A budget in USD per period, e.g. 50/month or 2/day.") var budget: String?
        @Option(help: "Requests per minute.") var rpm: Int?
        @Option(help: "Tokens per minute.") var tpm: Int?
        @Option(help: "The models it may use, comma-separated (default: all).") var models: String?
        @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

        func run() async throws {
            var parsedBudget: Budget?
            if let budget {
                guard let parsed = Budget(parsing: budget) else {
                    throw ValidationError("--budget must read like 50/month or 2.5/day (USD)")
                }
                parsedBudget = parsed
            }
            let key = NewKey(
                app: app, team: team, tier: tier ?? Accountant.defaultTierMarker,
                allowedModels: models.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                rateLimits: RateLimits(requestsPerMinute: rpm, tokensPerMinute: tpm), budget: parsedBudget)
            let created = try await StoreAccess.with(config) { store, _ in
                try await Accountant(store: store, adminKey: nil).createKey(key, requestID: "cli")
            }
            print("key \(created.record.id) for app \(app)\(team.map { ", team \($0)" } ?? "")")
            print("secret (shown once, store it now): \(created.secret.value)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

        func run() async throws {
            let keys = try await StoreAccess.with(config) { store, _ in try await store.listKeys(includeRevoked: true) }
            var rows = [["ID", "PREFIX", "APP", "TEAM", "TIER", "BUDGET", "RPM", "MODELS", "STATE"]]
            for key in keys {
                rows.append([
                    key.id, key.prefix, key.app, key.team ?? "-", Accountant.tier(of: key) ?? "(default)",
                    key.budget.map { String(format: "%.2f/%@", Double($0.amountMicros) / 1e6, $0.period.rawValue) } ?? "-",
                    key.rateLimits.requestsPerMinute.map(String.init) ?? "-", key.allowedModels?.joined(separator: ",") ?? "all",
                    key.isRevoked ? "revoked" : "active",
                ])
            }
            printTable(rows)
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a key a new secret; the old one stops working.")
        @Argument var id: String
        @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

        func run() async throws {
            let created = try await StoreAccess.with(config) { store, _ in
                try await Accountant(store: store, adminKey: nil).rotateKey(id: id, requestID: "cli")
            }
            print("secret (shown once, store it now): \(created.secret.value)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key.")
        @Argument var id: String
        @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

        func run() async throws {
            try await StoreAccess.with(config) { store, _ in
                _ = try await Accountant(store: store, adminKey: nil).revokeKey(id: id, requestID: "cli")
            }
            print("revoked \(id)")
        }
    }
}

/// `ajar audit verify|export`.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify or export the hash-chained audit log.", subcommands: [Verify.self, Export.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole chain; exits non-zero naming the first altered, removed or reordered record.")
        @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

        func run() async throws {
            let result = try await StoreAccess.with(config) { store, _ in try await store.verifyAudit() }
            if let broken = result.firstBreak {
                print("audit chain BROKEN at seq \(broken.seq)\(broken.requestID.map { " (request \($0))" } ?? ""): \(broken.reason) — \(broken.detail)")
                throw ExitCode(2)
            }
            print("audit chain intact: \(result.checked) records, head seq \(result.headSeq), head hash \(result.headHash)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the records as JSON lines.")
        @Option(help: "Only jsonl is supported.") var format = "jsonl"
        @Option(help: "From (ISO 8601 date or time).") var from: String?
        @Option(help: "To (ISO 8601 date or time).") var to: String?
        @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

        func run() async throws {
            guard format == "jsonl" else { throw ValidationError("--format must be jsonl") }
            let fromDate = from.flatMap(parseDate), toDate = to.flatMap(parseDate)
            let lines = try await StoreAccess.with(config) { store, _ in try await store.exportAudit(from: fromDate, to: toDate) }
            for line in lines { print(line) }
        }
    }
}

/// `ajar usage`: usage and cost as a table.
struct UsageReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Usage and cost, grouped.")
    @Option(name: .customLong("group-by"), help: "key, team, model or day.") var groupBy = "model"
    @Option(help: "From (ISO 8601 date or time).") var from: String?
    @Option(help: "To (ISO 8601 date or time).") var to: String?
    @Option(name: .long, help: "The configuration file.") var config = "ajar.yaml"

    func run() async throws {
        guard let grouping = UsageGrouping(rawValue: groupBy) else { throw ValidationError("--group-by must be key, team, model or day") }
        let fromDate = from.flatMap(parseDate) ?? Date(timeIntervalSince1970: 0)
        let toDate = to.flatMap(parseDate) ?? Date().addingTimeInterval(86_400)
        let rows = try await StoreAccess.with(config) { store, _ in try await store.usage(groupBy: grouping, from: fromDate, to: toDate) }
        var table = [[groupBy.uppercased(), "REQUESTS", "ERRORS", "TOKENS IN", "TOKENS OUT", "COST USD", "AVG MS"]]
        for row in rows {
            table.append([
                row.group ?? "-", String(row.requests), String(row.errors), String(row.tokensIn), String(row.tokensOut),
                String(format: "%.6f", Double(row.costMicros) / 1e6), String(row.averageLatencyMs),
            ])
        }
        printTable(table)
    }
}

func parseDate(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withFullDate]
    return formatter.date(from: text)
}

func printTable(_ rows: [[String]]) {
    guard let first = rows.first else { return }
    let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
        print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}
