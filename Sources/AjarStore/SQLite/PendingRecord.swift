import Foundation

/// One finished request's writes, as the SQLite store applies them: the audit row's columns and
/// canonical bytes (the chain link is computed when applied), its usage, and its settlement.
///
/// A ``RequestRecord`` becomes one of these when it is committed directly, or when the serving
/// process writes it to its ``RecordJournal``; a journal frame read back at start-up decodes into
/// the same thing, so both paths apply records with one function (``SQLiteStore/apply(_:_:journalNumber:)``).
///
/// A class, immutable: the applier copies records between batches and arrays, and a copy of a
/// struct this size retained a dozen strings and arrays each time.
final class PendingRecord: Sendable {
    struct Settlement: Sendable {
        var reservationID: String
        var scopes: [BudgetScope]
        var costMicros: Int64
        /// Held by the serving process's ledger: only `spent` is persisted (the reservation lives
        /// in memory). Otherwise the reservation is a row, finished in the transaction.
        var held: Bool
    }

    let canonical: [UInt8]
    let timeMs: Int64
    let requestID: String
    let kind: String
    let keyID: String?
    let app: String?
    let team: String?
    let status: Int
    let hasClasses: Bool
    let usage: UsageRecord?
    let settlement: Settlement?
    /// Only without a ledger (the rate window is a row then); never journaled.
    let tokenCharge: (keyID: String, tokens: Int, at: Date)?

    /// - Throws: ``StoreError/invalidArgument(_:)`` for a negative settled cost (checked here, before
    ///   anything is journaled or written, on both paths).
    init(_ record: RequestRecord, held: Bool, chargesTokens: Bool) throws {
        if let cost = record.settlement?.costMicros, cost < 0 { throw StoreError.invalidArgument("cost must not be negative") }
        let audit = record.audit
        canonical = record.canonical
        timeMs = audit.time.millisecondsSince1970
        requestID = audit.requestID
        kind = audit.kind.rawValue
        keyID = audit.keyID
        app = audit.app
        team = audit.team
        status = audit.status
        hasClasses = !audit.dataClasses.isEmpty
        usage = record.usage
        settlement = record.settlement.map { (reservation: Reservation, cost: Int64) in
            Settlement(reservationID: reservation.id, scopes: reservation.scopes, costMicros: cost, held: held)
        }
        tokenCharge = chargesTokens ? record.tokenCharge : nil
    }

    private init(
        canonical: [UInt8], timeMs: Int64, requestID: String, kind: String, keyID: String?, app: String?, team: String?,
        status: Int, hasClasses: Bool, usage: UsageRecord?, settlement: Settlement?
    ) {
        self.canonical = canonical
        self.timeMs = timeMs
        self.requestID = requestID
        self.kind = kind
        self.keyID = keyID
        self.app = app
        self.team = team
        self.status = status
        self.hasClasses = hasClasses
        self.usage = usage
        self.settlement = settlement
        self.tokenCharge = nil
    }

    /// Whether `usage` is the usage of this very request (so it can share its audit row).
    func describes(_ usage: UsageRecord) -> Bool {
        usage.requestID == requestID && usage.keyID == keyID && usage.app == app && usage.team == team
            && usage.status == status && usage.time.millisecondsSince1970 == timeMs
    }

    // MARK: - Binary form (journal frames)

    func encode(into out: inout ByteWriter) {
        out.bytes(canonical)
        out.int(timeMs)
        out.string(requestID)
        out.string(kind)
        out.optional(keyID)
        out.optional(app)
        out.optional(team)
        out.int(Int64(status))
        out.byte(hasClasses ? 1 : 0)
        if let usage {
            out.byte(1)
            out.int(usage.time.millisecondsSince1970)
            out.string(usage.requestID)
            out.optional(usage.keyID)
            out.optional(usage.app)
            out.optional(usage.team)
            out.string(usage.model)
            out.string(usage.provider)
            out.int(Int64(usage.tokensIn))
            out.int(Int64(usage.tokensOut))
            out.int(Int64(usage.tokensCached))
            out.int(usage.costMicros)
            out.int(Int64(usage.latencyMs))
            out.int(Int64(usage.status))
        } else {
            out.byte(0)
        }
        if let settlement {
            out.byte(1)
            out.string(settlement.reservationID)
            out.int(settlement.costMicros)
            out.byte(settlement.held ? 1 : 0)
            out.int(Int64(settlement.scopes.count))
            for scope in settlement.scopes {
                out.string(scope.scope)
                out.string(scope.period)
            }
        } else {
            out.byte(0)
        }
    }

    static func decode(from input: inout ByteReader) throws -> PendingRecord {
        let canonical = try input.bytes()
        let timeMs = try input.int()
        let requestID = try input.string()
        let kind = try input.string()
        let keyID = try input.optional()
        let app = try input.optional()
        let team = try input.optional()
        let status = Int(try input.int())
        let hasClasses = try input.byte() != 0
        var usage: UsageRecord?
        if try input.byte() != 0 {
            let time = Date(millisecondsSince1970: try input.int())
            let requestID = try input.string()
            let keyID = try input.optional()
            let app = try input.optional()
            let team = try input.optional()
            let model = try input.string()
            let provider = try input.string()
            let tokensIn = Int(try input.int())
            let tokensOut = Int(try input.int())
            let tokensCached = Int(try input.int())
            let cost = try input.int()
            let latency = Int(try input.int())
            let status = Int(try input.int())
            usage = UsageRecord(
                time: time, requestID: requestID, keyID: keyID, app: app, team: team, model: model, provider: provider,
                tokensIn: tokensIn, tokensOut: tokensOut, tokensCached: tokensCached, costMicros: cost, latencyMs: latency,
                status: status)
        }
        var settlement: Settlement?
        if try input.byte() != 0 {
            let id = try input.string()
            let cost = try input.int()
            let held = try input.byte() != 0
            let count = try input.int()
            guard count >= 0, count <= 16 else { throw ByteReader.Malformed() }
            var scopes: [BudgetScope] = []
            for _ in 0..<count {
                let scope = try input.string()
                scopes.append(BudgetScope(scope: scope, period: try input.string()))
            }
            settlement = Settlement(reservationID: id, scopes: scopes, costMicros: cost, held: held)
        }
        return PendingRecord(
            canonical: canonical, timeMs: timeMs, requestID: requestID, kind: kind, keyID: keyID, app: app, team: team,
            status: status, hasClasses: hasClasses, usage: usage, settlement: settlement)
    }
}

/// Little-endian, length-prefixed fields into a byte array.
struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func byte(_ value: UInt8) { buffer.append(value) }

    mutating func int(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    mutating func bytes(_ value: [UInt8]) {
        uint32(UInt32(truncatingIfNeeded: value.count))
        buffer.append(contentsOf: value)
    }

    mutating func string(_ value: String) {
        let written: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            uint32(UInt32(truncatingIfNeeded: utf8.count))
            buffer.append(contentsOf: utf8)
        }
        guard written == nil else { return }
        bytes(Array(value.utf8))
    }

    /// A presence byte, then the string.
    mutating func optional(_ value: String?) {
        guard let value else { return byte(0) }
        byte(1)
        string(value)
    }
}

/// Reads what ``ByteWriter`` wrote, throwing on anything short or out of range.
struct ByteReader {
    struct Malformed: Error {}

    private let buffer: [UInt8]
    private(set) var position: Int
    private let end: Int

    init(_ buffer: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.buffer = buffer
        self.position = start
        self.end = min(end ?? buffer.count, buffer.count)
    }

    var isAtEnd: Bool { position >= end }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, end - position >= count else { throw Malformed() }
        defer { position += count }
        return buffer[position..<position + count]
    }

    mutating func byte() throws -> UInt8 { try take(1).first ?? 0 }

    mutating func uint32() throws -> UInt32 {
        try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func int() throws -> Int64 {
        Int64(bitPattern: try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })
    }

    mutating func bytes() throws -> [UInt8] { Array(try take(Int(try uint32()))) }

    mutating func string() throws -> String {
        let bytes = try take(Int(try uint32()))
        guard let string = String(validating: bytes, as: UTF8.self) else { throw Malformed() }
        return string
    }

    mutating func optional() throws -> String? {
        try byte() == 0 ? nil : try string()
    }
}

/// The check of a journal frame: a multiply-xor hash over 8-byte words (about ten times faster
/// than a bytewise CRC-32, which was half the cost of an append), enough to tell a whole frame from
/// one cut short or overwritten.
enum FrameChecksum {
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 29
            offset += 8
        }
        while offset < bytes.count {
            hash = (hash ^ UInt64(bytes[offset])) &* 0x1000_0000_01B3
            offset += 1
        }
        hash ^= hash >> 32
        return UInt32(truncatingIfNeeded: hash)
    }

    static func of(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { of($0) }
    }
}
