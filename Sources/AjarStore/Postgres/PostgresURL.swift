import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL turned into a client configuration.
///
/// `sslmode`: `disable` (also the default for loopback hosts), `prefer`/`allow` (the default
/// otherwise; TLS when the server offers it, unverified), `require` (TLS, unverified),
/// `verify-ca`/`verify-full` (TLS with certificate and host checks).
package enum PostgresURL {
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` naming what is wrong (never the password).
    package static func configuration(_ url: String) throws(StoreError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else { throw .invalidConfiguration("a PostgreSQL URL must look like postgres://user@host:port/database") }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidConfiguration("the PostgreSQL URL has no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidConfiguration("the PostgreSQL URL has no user name")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalidConfiguration("the PostgreSQL port is out of range") }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let items = components.queryItems ?? []
        let isLoopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host)
        let sslmode = items.first { $0.name == "sslmode" }?.value ?? (isLoopback ? "disable" : "prefer")
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable":
            tls = .disable
        case "allow", "prefer":
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.certificateVerification = .none
            tls = .prefer(tlsConfiguration)
        case "require":
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.certificateVerification = .none
            tls = .require(tlsConfiguration)
        case "verify-ca", "verify-full":
            tls = .require(TLSConfiguration.makeClientConfiguration())
        default:
            throw .invalidConfiguration("unknown sslmode '\(sslmode)'")
        }
        return PostgresClient.Configuration(
            host: host, port: port, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
    }
}
