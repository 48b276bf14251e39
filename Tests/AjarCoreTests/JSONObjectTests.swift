import AjarCore
import Testing

/// `JSONObject` (ordered keys, subscript set and remove), `JSON`'s accessors, and the typed field
/// reads that throw path-named errors.
@Suite struct JSONObjectTests {
    // MARK: - Ordered keys

    @Test("keeps keys in insertion order, replaces in place, appends new keys, removes with nil")
    func subscriptSetAndRemove() {
        var object: JSONObject = ["c": 1, "a": 2, "b": 3]
        #expect(object.keys == ["c", "a", "b"])
        object["a"] = "two"
        #expect(object.keys == ["c", "a", "b"])
        #expect(object["a"] == "two")
        object["z"] = true
        #expect(object.keys == ["c", "a", "b", "z"])
        object["c"] = nil
        #expect(object.keys == ["a", "b", "z"])
        #expect(object.values == ["two", 3, true])
        object["missing"] = nil
        #expect(object.count == 3)
        #expect(object["c"] == nil)
    }

    @Test("a key set to JSON null stays present (only Swift nil removes)")
    func nullIsAValue() {
        var object = JSONObject()
        object["a"] = .null
        #expect(object.count == 1)
        #expect(object["a"] == .null)
    }

    @Test("iterates in key order and reports count and emptiness")
    func iteration() {
        var object = JSONObject()
        #expect(object.isEmpty)
        for key in ["q", "w", "e", "r", "t", "y"] { object[key] = .string(key.uppercased()) }
        #expect(!object.isEmpty)
        #expect(object.count == 6)
        #expect(object.map(\.0) == ["q", "w", "e", "r", "t", "y"])
        #expect(object.map(\.1) == ["Q", "W", "E", "R", "T", "Y"])
    }

    @Test("append keeps duplicates; lookup finds the first")
    func appendDuplicates() {
        var object = JSONObject()
        object.append("k", 1)
        object.append("k", 2)
        #expect(object.count == 2)
        #expect(object["k"] == 1)
        #expect(JSON.object(object).text == #"{"k":1,"k":2}"#)
    }

    @Test("a dictionary literal with a repeated key keeps the first position and the last value")
    func literalDuplicates() {
        let object: JSONObject = ["a": 1, "b": 2, "a": 3]
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    // MARK: - Accessors

    @Test("accessors return the value for their own type and nil otherwise")
    func accessors() {
        let values: [JSON] = [.null, true, 3, 2.5, "s", [1], ["k": 1]]
        #expect(values.map(\.isNull) == [true, false, false, false, false, false, false])
        #expect(values.map(\.boolValue) == [nil, true, nil, nil, nil, nil, nil])
        #expect(values.map(\.intValue) == [nil, nil, 3, nil, nil, nil, nil])
        #expect(values.map(\.doubleValue) == [nil, nil, 3, 2.5, nil, nil, nil])
        #expect(values.map(\.stringValue) == [nil, nil, nil, nil, "s", nil, nil])
        #expect(values.map { $0.arrayValue != nil } == [false, false, false, false, false, true, false])
        #expect(values.map { $0.objectValue != nil } == [false, false, false, false, false, false, true])
        #expect(values.map(\.typeName) == ["null", "boolean", "number", "number", "string", "array", "object"])
        #expect(values.map { $0["k"] } == [nil, nil, nil, nil, nil, nil, 1])
    }

    @Test("intValue accepts whole doubles and refuses fractions and out-of-range values")
    func intValue() {
        #expect(JSON.double(4).intValue == 4)
        #expect(JSON.double(4.5).intValue == nil)
        #expect(JSON.double(1e30).intValue == nil)
        #expect(JSON.int(.min).intValue == Int(Int64.min))
    }

    // MARK: - Typed fields

    static let message: JSONObject = [
        "role": "user", "content": 42, "name": .null, "n": 2.0, "f": 2.5, "flag": true, "list": [1], "obj": ["a": 1],
    ]

    @Test("reads fields of the right type and treats absent and null as nil")
    func typedReads() throws {
        let object = Self.message
        #expect(try object.string("role", at: "messages[2]") == "user")
        #expect(try object.string("name", at: "messages[2]") == nil)
        #expect(try object.string("absent", at: "messages[2]") == nil)
        #expect(try object.int("n", at: "") == 2)
        #expect(try object.double("f", at: "") == 2.5)
        #expect(try object.double("content", at: "") == 42)
        #expect(try object.bool("flag", at: "") == true)
        #expect(try object.array("list", at: "") == [1])
        #expect(try object.object("obj", at: "")?.keys == ["a"])
        #expect(try object.requiredString("role", at: "") == "user")
        #expect(try object.requiredInt("n", at: "") == 2)
        #expect(try object.requiredArray("list", at: "") == [1])
        #expect(try object.requiredObject("obj", at: "")["a"] == 1)
    }

    static let wrongTypes: [(String, String, String)] = [
        ("string", "content", "Invalid type for 'messages[2].content': expected a string, but got number."),
        ("int", "f", "Invalid type for 'messages[2].f': expected an integer, but got number."),
        ("int", "role", "Invalid type for 'messages[2].role': expected an integer, but got string."),
        ("bool", "list", "Invalid type for 'messages[2].list': expected a boolean, but got array."),
        ("double", "obj", "Invalid type for 'messages[2].obj': expected a number, but got object."),
        ("array", "flag", "Invalid type for 'messages[2].flag': expected an array, but got boolean."),
        ("object", "role", "Invalid type for 'messages[2].role': expected an object, but got string."),
    ]

    @Test("a field of the wrong type throws invalidRequest naming its path", arguments: wrongTypes)
    func wrongType(kind: String, key: String, message: String) {
        let object = Self.message
        let path = "messages[2]"
        let error = #expect(throws: GatewayError.self) {
            switch kind {
            case "string": _ = try object.string(key, at: path)
            case "int": _ = try object.int(key, at: path)
            case "bool": _ = try object.bool(key, at: path)
            case "double": _ = try object.double(key, at: path)
            case "array": _ = try object.array(key, at: path)
            default: _ = try object.object(key, at: path)
            }
        }
        #expect(error == .invalidRequest(message, param: "messages[2].\(key)"))
    }

    @Test(
        "a missing or null required field throws naming its path",
        arguments: [("", "model", "model"), ("messages[0]", "role", "messages[0].role"), ("a.b", "name", "a.b.name")])
    func requiredMissing(path: String, key: String, param: String) {
        let object: JSONObject = ["name": .null]
        let error = #expect(throws: GatewayError.self) { try object.requiredString(key, at: path) }
        #expect(error == .invalidRequest("Missing required parameter: '\(param)'.", param: param))
        #expect(error?.status == 400)
    }

    @Test("requireObject names the path when the value is not an object")
    func requireObject() throws {
        let error = #expect(throws: GatewayError.self) { try JSON.array([]).requireObject(at: "messages[1]") }
        #expect(
            error
                == .invalidRequest(
                    "Invalid type for 'messages[1]': expected an object, but got array.", param: "messages[1]"))
        #expect(try JSON.object(["a": 1]).requireObject(at: "x")["a"] == 1)
    }

    @Test("join builds dotted paths and leaves top-level keys bare")
    func join() {
        #expect(JSONObject.join("", "model") == "model")
        #expect(JSONObject.join("messages[0]", "content") == "messages[0].content")
    }
}
