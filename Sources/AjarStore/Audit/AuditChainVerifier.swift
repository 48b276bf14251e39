import AjarCore

/// The chain check as a pure state machine: feed rows in ascending `seq`, it says whether each one
/// follows. Its owner (``AuditChain/verify(head:pageSize:fetchPage:hashExists:)``) does the I/O.
package struct AuditChainVerifier: Sendable {
    /// What one row tells us.
    package enum Step: Sendable, Equatable {
        case intact
        case broken(AuditBreak)
        /// The row is intact in itself but does not link to the one before; whether its
        /// predecessor exists elsewhere decides between reordered and removed
        /// (see ``linkBreak(_:previousExists:)``).
        case linkBroken(AuditRow)
    }

    private(set) var expectedSeq: Int64 = 1
    private(set) var lastHash: String = AuditChain.genesisHash
    private(set) var checked: Int64 = 0

    package init() {}

    package mutating func check(_ row: AuditRow) -> Step {
        if row.seq > expectedSeq {
            return .broken(
                AuditBreak(
                    seq: expectedSeq, requestID: nil, reason: .removed,
                    detail: expectedSeq == row.seq - 1
                        ? "record \(expectedSeq) is missing; record \(row.seq) (request \(row.requestID)) follows"
                        : "records \(expectedSeq)…\(row.seq - 1) are missing; record \(row.seq) (request \(row.requestID)) follows"
                ))
        }
        if row.seq < expectedSeq {
            return .broken(
                AuditBreak(
                    seq: row.seq, requestID: row.requestID, reason: .reordered,
                    detail: "sequence number \(row.seq) appears where \(expectedSeq) was expected"))
        }
        guard let canonical = AuditChain.canonicalBytes(ofStoredText: row.record) else {
            return altered(row, "its content is not valid JSON")
        }
        guard let computed = AuditChain.hash(prevHash: row.prevHash, canonical: canonical) else {
            return altered(row, "its previous-hash field is not a SHA-256 digest")
        }
        guard computed == row.hash.lowercased() else {
            return altered(row, "its content does not match its hash")
        }
        if case .object(let object)? = try? JSONParser.parse(row.record) {
            if object["request_id"]?.stringValue != row.requestID {
                return altered(row, "its request id column differs from its content")
            }
            if object["kind"]?.stringValue != row.kind {
                return altered(row, "its kind column differs from its content")
            }
            if case .int(let time)? = object["time_ms"], time == row.timeMs {
            } else {
                return altered(row, "its time column differs from its content")
            }
        } else {
            return altered(row, "its content is not a JSON object")
        }
        guard row.prevHash.lowercased() == lastHash else {
            return .linkBroken(row)
        }
        expectedSeq += 1
        lastHash = row.hash.lowercased()
        checked += 1
        return .intact
    }

    /// Classifies a row that does not link to its predecessor: when the hash it links to belongs
    /// to another row, the rows were reordered; otherwise the record it followed is gone.
    package func linkBreak(_ row: AuditRow, previousExists: Bool) -> AuditBreak {
        if previousExists {
            return AuditBreak(
                seq: row.seq, requestID: row.requestID, reason: .reordered,
                detail:
                    "record \(row.seq) is intact but was written after a different record than record \(row.seq - 1)")
        }
        return AuditBreak(
            seq: row.seq, requestID: row.requestID, reason: .removed,
            detail: "the record that preceded record \(row.seq) when it was written is gone (removed and renumbered)")
    }

    /// Checks the end of the chain against the head row the appends maintain.
    package func finish(head: (seq: Int64, hash: String)?) -> AuditBreak? {
        guard let head else {
            return AuditBreak(
                seq: expectedSeq, requestID: nil, reason: .altered, detail: "the chain head row is missing")
        }
        let lastSeq = expectedSeq - 1
        if head.seq > lastSeq {
            return AuditBreak(
                seq: expectedSeq, requestID: nil, reason: .removed,
                detail: head.seq == expectedSeq
                    ? "record \(expectedSeq), the last one, is missing"
                    : "records \(expectedSeq)…\(head.seq), the last ones, are missing")
        }
        if head.hash.lowercased() != lastHash {
            return AuditBreak(
                seq: lastSeq, requestID: nil, reason: .altered,
                detail: "the last record's hash differs from the one recorded when it was appended")
        }
        return nil
    }

    package func result(firstBreak: AuditBreak?) -> AuditVerification {
        AuditVerification(
            checked: checked, headSeq: expectedSeq - 1, headHash: lastHash, firstBreak: firstBreak)
    }

    private func altered(_ row: AuditRow, _ why: String) -> Step {
        .broken(
            AuditBreak(
                seq: row.seq, requestID: row.requestID, reason: .altered,
                detail: "record \(row.seq) was altered: \(why)"))
    }
}
