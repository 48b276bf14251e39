import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("Canonical encoding and chain arithmetic")
struct AuditChainTests {
    @Test("the canonical encoding is sorted-key JSON without whitespace, absent fields omitted")
    func canonicalBytes() {
        let record = AuditRecord(
            kind: .request, time: Date(timeIntervalSince1970: 1.5), requestID: "r\"1", keyID: "key_x",
            deploymentsTried: ["b", "a"], dataClasses: [], status: 200, latencyMs: 7,
            content: .object(["z": .int(1), "a": .object(["y": .null, "b": .bool(true)]), "é": .string("line\nbreak")]))
        #expect(
            AuditChain.canonicalJSON(record).text
                == #"{"content":{"a":{"b":true,"y":null},"z":1,"é":"line\nbreak"},"data_classes":[],"deployments_tried":["b","a"],"key_id":"key_x","kind":"request","latency_ms":7,"request_id":"r\"1","status":200,"time_ms":1500}"#
        )
    }

    @Test("a record with every field set encodes with its keys already in canonical order")
    func everyFieldSorted() {
        let record = AuditRecord(
            kind: .admin, time: Date(timeIntervalSince1970: 2), requestID: "r", keyID: "k", app: "a", team: "t", tier: "high",
            modelRequested: "m", modelServed: "s", deploymentsTried: ["d"], decision: "x", dataClasses: ["email"],
            tokensIn: 1, tokensOut: 2, tokensCached: 3, costMicros: 4, status: 200, latencyMs: 5, action: "key.created",
            content: .object(["b": .int(1), "a": .int(2)]))
        let json = AuditChain.canonicalJSON(record)
        #expect(json.text == AuditChain.canonicalized(json).text)
        #expect(json.objectValue?.keys.count == 20)
    }

    @Test("the direct encoder writes exactly the bytes of the canonical JSON tree")
    func directEncoderMatchesTree() {
        var records = (1...12).map(AuditStoreTests.record)
        records.append(AuditRecord(kind: .request, time: Date(timeIntervalSince1970: -86_400.25), requestID: "", status: 0, latencyMs: 0))
        records.append(
            AuditRecord(
                kind: .request, time: Date(timeIntervalSince1970: 1.5), requestID: "r\"1\\\u{1}\t", keyID: "clé",
                app: "app \u{1F600}", team: "", tier: "limited", modelRequested: "m\n", deploymentsTried: ["b", "a"],
                decision: "tier=limited; classes=email", dataClasses: ["email", "iban"], tokensIn: 0, tokensOut: Int.max,
                tokensCached: -1, costMicros: Int64.min, status: 429, latencyMs: Int.max,
                content: .object(["z": .int(1), "a": .object(["y": .null, "b": .double(0.1)]), "é": .string("line\nbreak")])))
        for record in records {
            #expect(AuditChain.canonicalBytes(record) == AuditChain.canonicalJSON(record).bytes)
        }
    }

    @Test("integers are written in decimal at both ends of their range")
    func integers() {
        for value: Int64 in [0, 7, -7, 10, 1_000_000, Int64.max, Int64.min] {
            var out: [UInt8] = []
            JSON.writeInteger(value, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }

    @Test("re-encoding stored text gives the same bytes, however it was spaced")
    func storedTextRoundTrip() {
        let bytes = AuditChain.canonicalJSON(AuditStoreTests.record(4)).bytes
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(AuditChain.canonicalBytes(ofStoredText: text) == bytes)
        #expect(
            AuditChain.canonicalBytes(ofStoredText: "{ \"b\" : 1 , \"a\" : [ 2 ] }") == Array(#"{"a":[2],"b":1}"#.utf8))
        #expect(AuditChain.canonicalBytes(ofStoredText: "{not json") == nil)
    }

    @Test("the hash is SHA-256 over the previous digest's bytes and the canonical bytes")
    func hashDefinition() throws {
        // sha256(32 zero bytes || "{}"), computed independently with Python's hashlib.
        #expect(
            AuditChain.hash(prevHash: AuditChain.genesisHash, canonical: Array("{}".utf8))
                == "fb1634c4e6cd4b1f1afe3ce2d6ef080f7ac5d1f357d723ad4dfca782733b62db")
        #expect(AuditChain.hash(prevHash: "zz", canonical: []) == nil)
        #expect(AuditChain.hash(prevHash: String(repeating: "0", count: 62), canonical: []) == nil)
    }

    @Test("hex round-trips and rejects non-hex")
    func hex() {
        #expect(AuditChain.hex([0x00, 0xab, 0xff]) == "00abff")
        #expect(AuditChain.bytes(fromHex: "00abFF") == [0x00, 0xab, 0xff])
        #expect(AuditChain.bytes(fromHex: "0g") == nil)
        #expect(AuditChain.bytes(fromHex: "abc") == nil)
    }
}
