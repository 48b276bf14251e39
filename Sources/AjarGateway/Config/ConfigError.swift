/// A configuration problem, naming the key path and, where known, the line.
package struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The key path, e.g. `providers.openai.timeout` or `models.fast.deployments[1].provider`.
    package var path: String
    /// 1-based line in the file.
    package var line: Int?
    package var message: String
    /// The file, when loaded from one.
    package var file: String?

    package init(path: String, line: Int?, message: String, file: String? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.file = file
    }

    package var description: String {
        var location = file ?? "config"
        if let line { location += ":\(line)" }
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}
