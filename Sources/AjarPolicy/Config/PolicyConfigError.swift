/// A `policy:` section that cannot be used; ``keyPath`` names the offending key.
package struct PolicyConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the config, e.g. `policy.detectors[2].pattern`.
    package var keyPath: String
    /// What is wrong with it.
    package var message: String

    package init(keyPath: String, message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    package var description: String { "\(keyPath): \(message)" }
}
