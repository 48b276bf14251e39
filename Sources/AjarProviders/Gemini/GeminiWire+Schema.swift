import AjarCore

/// JSON Schema → Gemini `Schema` (the `parameters` of a function declaration).
///
/// Gemini's `Schema` object is "a select subset of an OpenAPI 3.0 schema object"
/// (https://ai.google.dev/api/caching#Schema), and the API answers 400 to a field it does not know.
/// Its v1beta fields are: `type`, `format`, `title`, `description`, `nullable`, `enum`, `maxItems`,
/// `minItems`, `properties`, `required`, `minProperties`, `maxProperties`, `minLength`,
/// `maxLength`, `pattern`, `example`, `anyOf`, `propertyOrdering`, `default`, `items`, `minimum`,
/// `maximum`. Everything else is dropped, recursively, which covers what OpenAI-style tool
/// schemas commonly carry: `additionalProperties`, `strict`, `$schema`, `$id`, `$defs` /
/// `definitions`, `$comment`, `allOf`, `not`, `const`, `examples`, `patternProperties`,
/// `exclusiveMinimum` / `exclusiveMaximum`, `multipleOf`, `uniqueItems`, `prefixItems`,
/// `readOnly` / `writeOnly` / `deprecated`.
///
/// Where JSON Schema has an equivalent, it is translated instead of dropped:
/// - a local `$ref` (`#/$defs/X`, `#/definitions/X`) is replaced by the definition it names
///   (bounded depth, so a recursive schema ends in a bare `{"type": "object"}`);
/// - `type: ["string", "null"]` becomes `type: "string", nullable: true`;
/// - `oneOf` becomes `anyOf`; an `anyOf` whose only other member is `{"type": "null"}`
///   (pydantic's `Optional[X]`) becomes that member with `nullable: true`;
/// - `const: v` becomes `enum: [v]`, and enum values become strings (Gemini's `enum` is a
///   string list), `null` members becoming `nullable: true`.
extension GeminiWire {
    /// The keys Gemini's `Schema` object accepts (v1beta).
    package static let schemaKeys: Set<String> = [
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties",
        "required", "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf",
        "propertyOrdering", "default", "items", "minimum", "maximum",
    ]

    /// How many `$ref`s deep a schema is expanded before a reference is cut off.
    static let maxReferenceDepth = 8

    /// `schema` reduced to what Gemini's `Schema` accepts (see the extension's comment).
    package static func geminiSchema(_ schema: JSON) -> JSON {
        var definitions = JSONObject()
        for key in ["definitions", "$defs"] {
            for (name, definition) in schema[key]?.objectValue ?? [:] { definitions[name] = definition }
        }
        return convert(schema, definitions: definitions, referenceDepth: 0, nesting: 0)
    }

    private static func convert(_ schema: JSON, definitions: JSONObject, referenceDepth: Int, nesting: Int) -> JSON {
        // Past JSONParser's own nesting limit nothing legitimate remains; stop rather than recurse.
        guard case .object(var object) = schema, nesting < JSONParser.maxDepth else { return [:] }

        if let reference = object["$ref"]?.stringValue {
            object["$ref"] = nil
            guard referenceDepth < maxReferenceDepth, let target = resolve(reference, in: definitions) else {
                return ["type": "object"]
            }
            // Sibling keywords (a description beside the `$ref`) win over the definition's own.
            var merged = target.objectValue ?? [:]
            for (key, value) in object { merged[key] = value }
            return convert(
                .object(merged), definitions: definitions, referenceDepth: referenceDepth + 1, nesting: nesting + 1)
        }

        if let single = optionalMember(of: object) {
            object["anyOf"] = nil
            object["oneOf"] = nil
            var merged = single.objectValue ?? [:]
            for (key, value) in object { merged[key] = value }
            merged["nullable"] = true
            return convert(
                .object(merged), definitions: definitions, referenceDepth: referenceDepth, nesting: nesting + 1)
        }

        var out = JSONObject()
        var isNullable = false
        for (key, value) in object {
            let child = { (value: JSON) in
                convert(value, definitions: definitions, referenceDepth: referenceDepth, nesting: nesting + 1)
            }
            switch key {
            case "type":
                if let types = value.arrayValue {
                    let named = types.compactMap(\.stringValue)
                    let nonNull = named.filter { $0 != "null" }
                    if nonNull.count < named.count { isNullable = true }
                    if nonNull.count == 1 {
                        out["type"] = .string(nonNull[0])
                    } else if nonNull.count > 1 {
                        out["anyOf"] = .array(nonNull.map { ["type": .string($0)] })
                    }
                } else {
                    out["type"] = value
                }
            case "properties":
                var properties = JSONObject()
                for (name, property) in value.objectValue ?? [:] { properties[name] = child(property) }
                out["properties"] = .object(properties)
            case "items":
                // A tuple (`items: [...]`, draft 4-7) has no equivalent; its first member is the best guess.
                out["items"] = child(value.arrayValue?.first ?? value)
            case "anyOf", "oneOf":
                let members = (value.arrayValue ?? []).filter { $0["type"]?.stringValue != "null" }
                if members.count < (value.arrayValue ?? []).count { isNullable = true }
                if !members.isEmpty { out["anyOf"] = .array(members.map(child)) }
            case "enum":
                let values = value.arrayValue ?? []
                if values.contains(where: \.isNull) { isNullable = true }
                out["enum"] = .array(values.compactMap(enumString).map(JSON.string))
            case "const":
                if value.isNull {
                    isNullable = true
                } else if let string = enumString(value) {
                    out["enum"] = [.string(string)]
                }
            case "nullable":
                if value.boolValue == true { isNullable = true }
            default:
                if schemaKeys.contains(key) { out[key] = value }
            }
        }
        if isNullable { out["nullable"] = true }
        return .object(out)
    }

    /// For `anyOf`/`oneOf` of exactly one schema plus `{"type": "null"}`, that one schema.
    private static func optionalMember(of object: JSONObject) -> JSON? {
        guard let members = (object["anyOf"] ?? object["oneOf"])?.arrayValue, members.count == 2 else { return nil }
        let nonNull = members.filter { $0["type"]?.stringValue != "null" }
        // Not `count == 1 ? nonNull[0] : nil`: JSON is ExpressibleByNilLiteral, so that `nil` would be `.null`.
        guard nonNull.count == 1 else { return nil }
        return nonNull[0]
    }

    /// The definition a local reference (`#/$defs/Name`, `#/definitions/Name`) names.
    private static func resolve(_ reference: String, in definitions: JSONObject) -> JSON? {
        for prefix in ["#/$defs/", "#/definitions/"] where reference.hasPrefix(prefix) {
            return definitions[String(reference.dropFirst(prefix.count))]
        }
        return nil
    }

    /// An enum value as Gemini's string form; `nil` for `null` and structured values.
    private static func enumString(_ value: JSON) -> String? {
        switch value {
        case .string(let string): string
        case .int, .double, .bool: value.text
        case .null, .array, .object: nil
        }
    }
}
