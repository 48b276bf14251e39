/// Typed reads of a request object's fields. Each throws ``GatewayError/invalidRequest(_:param:)``
/// naming the field's path (`messages[2].content`), so a client learns exactly what was wrong.
/// Absent and `null` fields read as `nil`; a field of the wrong type is an error.
extension JSONObject {
    package func string(_ key: String, at path: String) throws(GatewayError) -> String? {
        try typed(key, at: path, expected: "a string") { $0.stringValue }
    }

    package func bool(_ key: String, at path: String) throws(GatewayError) -> Bool? {
        try typed(key, at: path, expected: "a boolean") { $0.boolValue }
    }

    package func int(_ key: String, at path: String) throws(GatewayError) -> Int? {
        try typed(key, at: path, expected: "an integer") { $0.intValue }
    }

    package func double(_ key: String, at path: String) throws(GatewayError) -> Double? {
        try typed(key, at: path, expected: "a number") { $0.doubleValue }
    }

    package func array(_ key: String, at path: String) throws(GatewayError) -> [JSON]? {
        try typed(key, at: path, expected: "an array") { $0.arrayValue }
    }

    package func object(_ key: String, at path: String) throws(GatewayError) -> JSONObject? {
        try typed(key, at: path, expected: "an object") { $0.objectValue }
    }

    package func requiredString(_ key: String, at path: String) throws(GatewayError) -> String {
        guard let value = try string(key, at: path) else { throw .missing(JSONObject.join(path, key)) }
        return value
    }

    package func requiredArray(_ key: String, at path: String) throws(GatewayError) -> [JSON] {
        guard let value = try array(key, at: path) else { throw .missing(JSONObject.join(path, key)) }
        return value
    }

    package func requiredObject(_ key: String, at path: String) throws(GatewayError) -> JSONObject {
        guard let value = try object(key, at: path) else { throw .missing(JSONObject.join(path, key)) }
        return value
    }

    package func requiredInt(_ key: String, at path: String) throws(GatewayError) -> Int {
        guard let value = try int(key, at: path) else { throw .missing(JSONObject.join(path, key)) }
        return value
    }

    private func typed<T>(
        _ key: String, at path: String, expected: String, _ read: (JSON) -> T?
    ) throws(GatewayError) -> T? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let typed = read(value) else {
            let param = JSONObject.join(path, key)
            throw .invalidRequest("Invalid type for '\(param)': expected \(expected), but got \(value.typeName).", param: param)
        }
        return typed
    }

    /// `path.key`, or `key` at the top level.
    package static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}

extension JSON {
    /// This value as an object, or an error naming `path`.
    package func requireObject(at path: String) throws(GatewayError) -> JSONObject {
        guard let object = objectValue else {
            throw .invalidRequest(
                "Invalid type for '\(path)': expected an object, but got \(typeName).", param: path)
        }
        return object
    }
}

extension GatewayError {
    static func missing(_ param: String) -> GatewayError {
        .invalidRequest("Missing required parameter: '\(param)'.", param: param)
    }
}
