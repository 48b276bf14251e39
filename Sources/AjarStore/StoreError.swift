/// What the store reports. Messages never contain a secret, a secret's hash, or SQL arguments.
package enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No key with this id.
    case keyNotFound(String)
    /// A caller-supplied value is out of range or empty; the message names the field.
    case invalidArgument(String)
    /// The database URL or path is unusable; the message says why (never the password).
    case invalidConfiguration(String)
    /// The database failed; `message` is the backend's error, stripped of SQL arguments.
    case database(String)
    /// The schema in the database is newer or different than this build knows.
    case migration(String)

    package var description: String {
        switch self {
        case .keyNotFound(let id): "no key with id '\(id)'"
        case .invalidArgument(let message): "invalid argument: \(message)"
        case .invalidConfiguration(let message): "invalid storage configuration: \(message)"
        case .database(let message): "database error: \(message)"
        case .migration(let message): "migration failed: \(message)"
        }
    }
}
