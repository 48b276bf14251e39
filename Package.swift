// swift-tools-version:6.1
import Foundation
import PackageDescription

/// Settings every Ajar target shares (Hummingbird's habit: one array, applied everywhere).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The local engine's kernels are compiled for the building machine's CPU (AVX2/FMA/AVX-512 on
/// x86_64, as llama.cpp's `-march=native`), since users build from source. `AJAR_PORTABLE=1` at
/// build time gives a binary for any x86_64/arm64 machine instead (the baseline instruction set).
let portable = ProcessInfo.processInfo.environment["AJAR_PORTABLE"] == "1"
let cpuFlags = portable ? [] : ["-target-cpu", "native"]
/// The engine is optimised in debug builds too (`-O`, checks kept), so the whole-model tests and
/// the gateway's local provider run at speed in the default test build; `AJAR_DEBUG_ENGINE=1`
/// builds it unoptimised for stepping through in a debugger.
let debugEngine = ProcessInfo.processInfo.environment["AJAR_DEBUG_ENGINE"] == "1"
let inferenceSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"] + cpuFlags, .when(configuration: .release)),
    .unsafeFlags(debugEngine ? [] : ["-O"] + cpuFlags, .when(configuration: .debug)),
]

let package = Package(
    name: "Ajar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ajar", targets: ["ajar"]),
        .executable(name: "ajar-fake-vendors", targets: ["ajar-fake-vendors"]),
        .executable(name: "ajar-bench-engine", targets: ["ajar-bench-engine"]),
        .executable(name: "ajar-bench-policy", targets: ["ajar-bench-policy"]),
        .executable(name: "ajar-bench-embeddings", targets: ["ajar-bench-embeddings"]),
        .executable(name: "ajar-bench-accounting", targets: ["ajar-bench-accounting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // MARK: - Libraries (arrows point down only; see ../shared/DESIGN.md)
        .target(
            name: "AjarCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AjarProviders",
            dependencies: [
                "AjarCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AjarGateway",
            dependencies: [
                "AjarCore",
                "AjarProviders",
                "AjarPolicy",
                "AjarStore",
                "AjarInference",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AjarServer",
            dependencies: [
                "AjarCore",
                "AjarGateway",
                "AjarProviders",
                "AjarStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Detectors, pseudonymiser, risk tiers and the pure planner; knows nothing of vendors.
        .target(
            name: "AjarPolicy",
            dependencies: ["AjarCore"],
            swiftSettings: swiftSettings
        ),
        // Keys, usage, budgets and the audit chain behind `GatewayStore`: SQLite and PostgreSQL.
        .target(
            name: "AjarStore",
            dependencies: [
                "AjarCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the audit append's hot statement (SQLiteStore+Audit.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A CPU inference engine with its own API; imports no other Ajar module.
        .target(
            name: "AjarInference",
            swiftSettings: swiftSettings + inferenceSettings
        ),
        .target(
            name: "AjarTesting",
            dependencies: [
                "AjarCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Executables
        .executableTarget(
            name: "ajar",
            dependencies: [
                "AjarServer",
                "AjarGateway",
                "AjarStore",
                "AjarCore",
                "AjarProviders",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Release-mode benchmark of the local engine (prefill and decode tokens/s, reference check).
        .executableTarget(
            name: "ajar-bench-engine",
            dependencies: ["AjarInference"],
            swiftSettings: swiftSettings
        ),
        // Release-mode benchmark of the built-in detectors (µs per KiB of prompt).
        .executableTarget(
            name: "ajar-bench-policy",
            dependencies: ["AjarPolicy", "AjarCore"],
            swiftSettings: swiftSettings
        ),
        // Release-mode benchmark of the accounting path alone (CPU µs per request per step).
        .executableTarget(
            name: "ajar-bench-accounting",
            dependencies: ["AjarGateway", "AjarStore", "AjarPolicy", "AjarCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Release-mode benchmark of the BERT embedder (sentences/s) beside sentence-transformers.
        .executableTarget(
            name: "ajar-bench-embeddings",
            dependencies: ["AjarInference"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ajar-fake-vendors",
            dependencies: [
                "AjarTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests (mirror the targets)
        .testTarget(name: "AjarCoreTests", dependencies: ["AjarCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AjarInferenceTests",
            dependencies: ["AjarInference"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AjarPolicyTests",
            dependencies: ["AjarPolicy", "AjarCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AjarStoreTests", dependencies: ["AjarStore", "AjarCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AjarTestingTests",
            dependencies: ["AjarTesting", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AjarProvidersTests",
            dependencies: ["AjarProviders", "AjarTesting", "AjarCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AjarGatewayTests",
            dependencies: ["AjarGateway", "AjarProviders", "AjarPolicy", "AjarTesting", "AjarCore", "AjarStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AjarServerTests",
            dependencies: [
                "AjarServer", "AjarGateway", "AjarTesting", "AjarCore", "AjarStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: `ajar chat`'s pieces, and the built binary driven end to end.
        .testTarget(
            name: "AjarCLITests",
            dependencies: [
                "ajar", "AjarServer", "AjarGateway", "AjarTesting", "AjarCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
