import AjarCore
import Crypto
import Foundation

/// The audit log's hash chain: the canonical encoding of a record, the hash that links it to the
/// one before, and the walk that verifies a whole chain.
///
/// ## Canonical encoding
/// A record is encoded as one JSON object (RFC 8259) with these keys, each omitted when the
/// value is absent (`nil`), arrays always present:
/// `action`, `app`, `content`, `cost_micros`, `data_classes`, `decision`, `deployments_tried`,
/// `key_id`, `kind` (`request` | `admin`), `latency_ms`, `model_requested`, `model_served`,
/// `request_id`, `status`, `team`, `tier`, `time_ms` (integer milliseconds since 1970, UTC),
/// `tokens_cached`, `tokens_in`, `tokens_out`.
/// The bytes are exact: no whitespace; object keys (also inside `content`) sorted by their UTF-8
/// bytes, ascending, recursively; integers in decimal; other numbers as Swift's shortest
/// round-trip form; strings as raw UTF-8 with only `"`, `\` and control characters escaped
/// (`\n`, `\r`, `\t`, others `\u00xx` in lowercase hex) — AjarCore's `JSONWriter`.
///
/// ## Chain
/// `hash(n) = SHA-256(bytes(prevHash(n)) ‖ canonical(record n))`, where `bytes(...)` is the 32
/// raw bytes of the lowercase hex digest and `prevHash(1)` is 32 zero bytes. Digests are stored
/// as 64 lowercase hex characters. An exported JSONL line carries `seq`, `prev_hash`, `hash` and
/// `record` (the canonical object), so anyone can recompute the chain from an export.
package enum AuditChain {
    /// The `prevHash` of the first record: 32 zero bytes, in hex.
    package static let genesisHash = String(repeating: "0", count: 64)

    // MARK: - Canonical encoding

    /// The record as a canonical JSON object (keys sorted, absent values omitted).
    package static func canonicalJSON(_ record: AuditRecord) -> JSON {
        var object = JSONObject()
        // The keys are appended in canonical (UTF-8 byte) order, so only `content` needs sorting.
        object["action"] = record.action.map(JSON.string)
        object["app"] = record.app.map(JSON.string)
        object["content"] = record.content.map(canonicalized)
        object["cost_micros"] = record.costMicros.map(JSON.int)
        object["data_classes"] = .array(record.dataClasses.map(JSON.string))
        object["decision"] = record.decision.map(JSON.string)
        object["deployments_tried"] = .array(record.deploymentsTried.map(JSON.string))
        object["key_id"] = record.keyID.map(JSON.string)
        object["kind"] = .string(record.kind.rawValue)
        object["latency_ms"] = .int(Int64(record.latencyMs))
        object["model_requested"] = record.modelRequested.map(JSON.string)
        object["model_served"] = record.modelServed.map(JSON.string)
        object["request_id"] = .string(record.requestID)
        object["status"] = .int(Int64(record.status))
        object["team"] = record.team.map(JSON.string)
        object["tier"] = record.tier.map(JSON.string)
        object["time_ms"] = .int(record.time.millisecondsSince1970)
        object["tokens_cached"] = record.tokensCached.map { .int(Int64($0)) }
        object["tokens_in"] = record.tokensIn.map { .int(Int64($0)) }
        object["tokens_out"] = record.tokensOut.map { .int(Int64($0)) }
        return .object(object)
    }

    /// The canonical bytes of a record: the same bytes as `canonicalJSON(record).bytes`, written
    /// straight from the record's fields (in key order) without building the JSON tree first;
    /// this runs once per request, so it is kept cheap.
    package static func canonicalBytes(_ record: AuditRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        var writer = CanonicalWriter(out: out)
        writer.out.append(UInt8(ascii: "{"))
        writer.field("action", record.action)
        writer.field("app", record.app)
        if let content = record.content {
            writer.key("content")
            canonicalized(content).write(into: &writer.out)
        }
        writer.field("cost_micros", record.costMicros)
        writer.field("data_classes", record.dataClasses)
        writer.field("decision", record.decision)
        writer.field("deployments_tried", record.deploymentsTried)
        writer.field("key_id", record.keyID)
        writer.field("kind", record.kind.rawValue)
        writer.field("latency_ms", Int64(record.latencyMs))
        writer.field("model_requested", record.modelRequested)
        writer.field("model_served", record.modelServed)
        writer.field("request_id", record.requestID)
        writer.field("status", Int64(record.status))
        writer.field("team", record.team)
        writer.field("tier", record.tier)
        writer.field("time_ms", record.time.millisecondsSince1970)
        writer.field("tokens_cached", record.tokensCached.map(Int64.init))
        writer.field("tokens_in", record.tokensIn.map(Int64.init))
        writer.field("tokens_out", record.tokensOut.map(Int64.init))
        writer.out.append(UInt8(ascii: "}"))
        return writer.out
    }

    /// Appends `"key":value` pairs, a comma before all but the first.
    private struct CanonicalWriter {
        var out: [UInt8]
        var first = true

        mutating func key(_ name: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }

        mutating func field(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            JSON.writeString(value, into: &out)
        }

        mutating func field(_ name: StaticString, _ values: [String]) {
            key(name)
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(value, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }

        mutating func field(_ name: StaticString, _ value: Int64?) {
            guard let value else { return }
            key(name)
            JSON.writeInteger(value, into: &out)
        }
    }

    /// `value` with every object's keys sorted by their UTF-8 bytes (duplicates keep their order).
    package static func canonicalized(_ value: JSON) -> JSON {
        switch value {
        case .array(let values):
            return .array(values.map(canonicalized))
        case .object(let object):
            let order = object.keys.indices.sorted { left, right in
                let a = object.keys[left].utf8, b = object.keys[right].utf8
                if a.elementsEqual(b) { return left < right }
                return a.lexicographicallyPrecedes(b)
            }
            var sorted = JSONObject()
            for index in order { sorted.append(object.keys[index], canonicalized(object.values[index])) }
            return .object(sorted)
        default:
            return value
        }
    }

    /// The canonical bytes of a record's stored text: parsed and re-encoded, so only the
    /// content matters, not how it was spelt. `nil` if the text is not JSON.
    package static func canonicalBytes(ofStoredText text: String) -> [UInt8]? {
        guard let json = try? JSONParser.parse(text) else { return nil }
        return canonicalized(json).bytes
    }

    // MARK: - Hashing

    /// `SHA-256(bytes(prevHash) ‖ canonical)` in lowercase hex, or `nil` when `prevHash` is not 64 hex characters.
    package static func hash(prevHash: String, canonical: [UInt8]) -> String? {
        guard let previous = bytes(fromHex: prevHash), previous.count == 32 else { return nil }
        return hex(digest(previous: previous, canonical: canonical))
    }

    /// `SHA-256(previous ‖ canonical)`: the link from the previous record's 32 digest bytes.
    package static func digest(previous: [UInt8], canonical: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonical)
        return Array(hasher.finalize())
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of a byte sequence.
    package static func hex(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = hexDigits[Int(byte >> 4)]
                buffer[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// Bytes from lowercase or uppercase hex, or `nil` for anything else.
    package static func bytes(fromHex text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    // MARK: - Export

    /// One JSONL line (no newline) for a stored row: `{"hash":…,"prev_hash":…,"record":{…},"seq":…}`.
    package static func exportLine(_ row: AuditRow) -> String {
        var object = JSONObject()
        object["hash"] = .string(row.hash)
        object["prev_hash"] = .string(row.prevHash)
        object["record"] = (try? JSONParser.parse(row.record)).map(canonicalized) ?? .string(row.record)
        object["seq"] = .int(row.seq)
        return JSON.object(object).text
    }

    // MARK: - Verification

    /// Walks the chain in pages and returns the first break.
    /// - Parameters:
    ///   - head: the chain head (last seq and hash) as the append lock row records it, or `nil` if missing.
    ///   - fetchPage: rows with `seq > after` and `seq <= upTo`, ascending, at most `limit`.
    ///   - hashExists: whether some row's `hash` equals the argument (to tell reordered from removed).
    package static func verify(
        head: (seq: Int64, hash: String)?,
        pageSize: Int = 1000,
        fetchPage: (_ after: Int64, _ upTo: Int64, _ limit: Int) async throws -> [AuditRow],
        hashExists: (String) async throws -> Bool
    ) async throws -> AuditVerification {
        var verifier = AuditChainVerifier()
        let upTo = head?.seq ?? Int64.max
        var after: Int64 = Int64.min
        while true {
            let rows = try await fetchPage(after, upTo, pageSize)
            for row in rows {
                switch verifier.check(row) {
                case .intact:
                    continue
                case .broken(let breakage):
                    return verifier.result(firstBreak: breakage)
                case .linkBroken(let row):
                    let exists = try await hashExists(row.prevHash)
                    return verifier.result(firstBreak: verifier.linkBreak(row, previousExists: exists))
                }
            }
            guard rows.count == pageSize, let last = rows.last else { break }
            after = last.seq
        }
        return verifier.result(firstBreak: verifier.finish(head: head))
    }
}

/// One stored audit row, as read back from either backend.
package struct AuditRow: Sendable, Hashable {
    package var seq: Int64
    package var timeMs: Int64
    package var requestID: String
    package var kind: String
    /// The canonical JSON text of the record.
    package var record: String
    package var prevHash: String
    package var hash: String

    package init(
        seq: Int64, timeMs: Int64, requestID: String, kind: String, record: String, prevHash: String, hash: String
    ) {
        self.seq = seq
        self.timeMs = timeMs
        self.requestID = requestID
        self.kind = kind
        self.record = record
        self.prevHash = prevHash
        self.hash = hash
    }
}
