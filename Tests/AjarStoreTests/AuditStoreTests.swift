import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("The hash-chained audit log, on both backends")
struct AuditStoreTests {
    static let start = Date(timeIntervalSince1970: 1_796_205_600)

    static func record(_ index: Int) -> AuditRecord {
        AuditRecord(
            kind: index % 5 == 0 ? .admin : .request, time: start.addingTimeInterval(Double(index)),
            requestID: "req-\(index)", keyID: "key_\(index % 3)", app: "app", team: "care", tier: "high",
            modelRequested: "chat", modelServed: "open-chat", deploymentsTried: ["vendor-a", "local"],
            decision: "pseudonymise", dataClasses: ["email"], tokensIn: 100 + index, tokensOut: 20, tokensCached: 0,
            costMicros: Int64(1000 * index), status: 200, latencyMs: 40 + index,
            action: index % 5 == 0 ? "key.created" : nil,
            content: index % 2 == 0
                ? .object(["messages": .array([.string("hello <EMAIL_1>")]), "n": .int(Int64(index))]) : nil)
    }

    /// Appends records 1...count.
    static func fill(_ store: any GatewayStore, count: Int) async throws {
        for index in 1...count { try await store.appendAudit(record(index)) }
    }

    @Test("appends form a chain from seq 1 that verifies", arguments: StoreBackend.allCases)
    func appendAndVerify(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            let empty = try await store.verifyAudit()
            #expect(empty.isIntact)
            #expect(empty.checked == 0)
            let first = try await store.appendAudit(Self.record(1))
            #expect(first.seq == 1)
            #expect(first.prevHash == AuditChain.genesisHash)
            let second = try await store.appendAudit(Self.record(2))
            #expect(second.seq == 2)
            #expect(second.prevHash == first.hash)
            #expect(
                second.hash
                    == AuditChain.hash(prevHash: first.hash, canonical: AuditChain.canonicalJSON(Self.record(2)).bytes))
            let verification = try await store.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.checked == 2)
            #expect(verification.headSeq == 2)
            #expect(verification.headHash == second.hash)
        }
    }

    @Test("an updated field is reported as altered at its record", arguments: StoreBackend.allCases)
    func alteredField(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 8)
            try await sql(
                "UPDATE audit_log SET record = replace(record, '\"cost_micros\":5000', '\"cost_micros\":1') WHERE seq = 5"
            )
            let result = try #require(try await store.verifyAudit().firstBreak)
            #expect(result.seq == 5)
            #expect(result.requestID == "req-5")
            #expect(result.reason == .altered)
        }
    }

    @Test("a changed column outside the record text is reported as altered", arguments: StoreBackend.allCases)
    func alteredColumn(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 4)
            try await sql("UPDATE audit_log SET request_id = 'req-forged' WHERE seq = 3")
            let result = try #require(try await store.verifyAudit().firstBreak)
            #expect(result.seq == 3)
            #expect(result.reason == .altered)
        }
    }

    @Test("a deleted record is reported as removed, by its seq", arguments: StoreBackend.allCases)
    func removed(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 8)
            try await sql("DELETE FROM audit_log WHERE seq = 4")
            let result = try #require(try await store.verifyAudit().firstBreak)
            #expect(result.seq == 4)
            #expect(result.reason == .removed)
            #expect(result.detail.contains("req-5"))
        }
    }

    @Test(
        "a deleted record with the rest renumbered is reported as removed where the gap closed",
        arguments: StoreBackend.allCases)
    func removedAndRenumbered(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 6)
            try await sql("DELETE FROM audit_log WHERE seq = 3")
            for seq in 4...6 { try await sql("UPDATE audit_log SET seq = \(seq - 1) WHERE seq = \(seq)") }
            try await sql("UPDATE audit_head SET seq = 5")
            let result = try #require(try await store.verifyAudit().firstBreak)
            #expect(result.seq == 3)
            #expect(result.requestID == "req-4")
            #expect(result.reason == .removed)
        }
    }

    @Test("the last record deleted is reported as removed", arguments: StoreBackend.allCases)
    func removedTail(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 5)
            try await sql("DELETE FROM audit_log WHERE seq = 5")
            let result = try #require(try await store.verifyAudit().firstBreak)
            #expect(result.seq == 5)
            #expect(result.reason == .removed)
        }
    }

    @Test("two records with swapped seqs are reported as reordered at the first", arguments: StoreBackend.allCases)
    func reordered(backend: StoreBackend) async throws {
        try await backend.withStore { store, sql in
            try await Self.fill(store, count: 7)
            try await sql("UPDATE audit_log SET seq = -1 WHERE seq = 3")
            try await sql("UPDATE audit_log SET seq = 3 WHERE seq = 6")
            try await sql("UPDATE audit_log SET seq = 6 WHERE seq = -1")
            let result = try #require(try await store.verifyAudit().firstBreak)
            #expect(result.seq == 3)
            #expect(result.requestID == "req-6")
            #expect(result.reason == .reordered)
        }
    }

    @Test(
        "export writes one canonical JSONL line per record in [from, to), from which the chain recomputes",
        arguments: StoreBackend.allCases)
    func export(backend: StoreBackend) async throws {
        try await backend.withStore { store, _ in
            try await Self.fill(store, count: 6)
            let all = try await store.exportAudit(from: nil, to: nil)
            #expect(all.count == 6)
            var previous = AuditChain.genesisHash
            for (index, line) in all.enumerated() {
                guard case .object(let object) = try JSONParser.parse(line) else {
                    Issue.record("not an object: \(line)")
                    continue
                }
                #expect(object.keys == ["hash", "prev_hash", "record", "seq"])
                #expect(object["seq"] == .int(Int64(index + 1)))
                #expect(object["prev_hash"]?.stringValue == previous)
                let record = try #require(object["record"])
                #expect(record.text == AuditChain.canonicalJSON(Self.record(index + 1)).text)
                let hash = AuditChain.hash(prevHash: previous, canonical: record.bytes)
                #expect(object["hash"]?.stringValue == hash)
                previous = hash ?? ""
            }
            let window = try await store.exportAudit(
                from: Self.start.addingTimeInterval(2), to: Self.start.addingTimeInterval(5))
            #expect(window.count == 3)
            #expect(window.first?.contains("\"seq\":2") == true)
        }
    }

    @Test("concurrent appends from two instances keep one linear chain", arguments: StoreBackend.allCases)
    func concurrentAppends(backend: StoreBackend) async throws {
        try await backend.withTwoStores { first, second in
            let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 1...60 {
                    let store = index % 2 == 0 ? first : second
                    group.addTask { try await store.appendAudit(Self.record(index)).seq }
                }
                var seqs: [Int64] = []
                for try await seq in group { seqs.append(seq) }
                return seqs
            }
            #expect(seqs.sorted() == Array(1...60))
            let verification = try await first.verifyAudit()
            #expect(verification.isIntact)
            #expect(verification.checked == 60)
        }
    }
}
