import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The serving process's append-only file of finished requests' records (`PATH.pending`), written
/// before a request is answered and applied to the database behind it.
///
/// A request used to wait, before its answer, for its record's SQLite transaction: a hop to GRDB's
/// writer thread and the group's commit. Now it waits for one `write(2)` of its group's frame,
/// done inline by the group's leader — as durable as a commit with `synchronous = NORMAL` (the
/// bytes are in the kernel's page cache, so they survive the process being killed; with
/// ``SQLiteStore/Durability/full`` the frame is also `fdatasync`ed) — and a background task
/// applies the frames to the database in large transactions, computing the chain links there.
///
/// Each frame carries a number, increasing for the life of the database; the apply transaction
/// records the last number applied (`audit_head.journal_applied`). Whoever opens the database next
/// while no process serves it (a restarted `ajar serve`, or `ajar audit verify` after a crash)
/// applies the frames past that number first (``SQLiteStore/replayJournal()``). Readers of the
/// serving process wait until everything written before their call is applied (``barrier()``), so
/// they see what was answered.
///
/// Frame: `magic u32 | length u32 | crc32 u32 | payload | number u64`, little-endian, where
/// `length` counts payload and number and the CRC covers both; the payload is a count and
/// ``PendingRecord``s. A frame cut short (the machine lost power mid-write) ends the journal.
final class RecordJournal: Sendable {
    static let magic: UInt32 = 0x414A_5250
    static let headerSize = 12
    /// The file is rewritten with only its unapplied frames once it grows past this.
    static let compactionThreshold = 4 << 20

    struct Batch: Sendable {
        let number: UInt64
        let records: [PendingRecord]
        let frame: [UInt8]
        /// ``SQLiteStore/commit(_:)`` waits for the chain links; ``SQLiteStore/record(_:)`` does not.
        let waiter: CheckedContinuation<[ChainLink], any Error>?
    }

    private struct State: ~Copyable {
        var descriptor: Int32
        /// The number of the next frame.
        var next: UInt64
        /// Written, not yet taken by the applier.
        var pending: [Batch] = []
        /// Taken by the applier, not yet applied (kept to be rewritten when the file is compacted).
        var inFlight: [Batch] = []
        var applying = false
        /// Every frame up to this number is applied (or given up).
        var applied: UInt64
        var barriers: [(number: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var bytes: Int
    }

    let path: String
    private let sync: Bool
    private let state: Mutex<State>

    /// Opens (creating) the journal for appending; frames get numbers after `applied`.
    init(path: String, applied: UInt64, sync: Bool) throws {
        self.path = path
        self.sync = sync
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.invalidConfiguration("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let size = Int(lseek(descriptor, 0, SEEK_END))
        state = Mutex(State(descriptor: descriptor, next: applied + 1, applied: applied, bytes: max(0, size)))
    }

    /// Encodes `records` as one frame's payload (off the lock: only the number is added under it).
    static func payload(_ records: [PendingRecord]) -> ByteWriter {
        var writer = ByteWriter()
        writer.buffer.reserveCapacity(headerSize + 8 + records.count * 640)
        writer.buffer.append(contentsOf: repeatElement(0, count: headerSize))
        writer.int(Int64(records.count))
        for record in records { record.encode(into: &writer) }
        return writer
    }

    /// Writes `records` as one frame and queues them for the applier.
    /// - Returns: whether the caller must start the applier (none is running).
    /// - Throws: ``StoreError/database(_:)`` when the write fails; then nothing was queued.
    func append(_ records: [PendingRecord], waiter: CheckedContinuation<[ChainLink], any Error>?) throws -> Bool {
        var frame = Self.payload(records)
        let payloadCRC = CRC32.checksum(frame.buffer[Self.headerSize...])
        return try state.withLock { state in
            let number = state.next
            var tail = ByteWriter()
            tail.int(Int64(bitPattern: number))
            frame.buffer.append(contentsOf: tail.buffer)
            let crc = CRC32.checksum(tail.buffer, continuing: payloadCRC)
            var header = ByteWriter()
            header.uint32(Self.magic)
            header.uint32(UInt32(truncatingIfNeeded: frame.buffer.count - Self.headerSize))
            header.uint32(crc)
            frame.buffer.replaceSubrange(0..<Self.headerSize, with: header.buffer)
            try Self.writeAll(frame.buffer, to: state.descriptor, sync: sync, path: path)
            state.next += 1
            state.bytes += frame.buffer.count
            state.pending.append(Batch(number: number, records: records, frame: frame.buffer, waiter: waiter))
            guard !state.applying else { return false }
            state.applying = true
            return true
        }
    }

    /// The batches to apply next (all that are waiting, in order), or `nil` when there are none:
    /// then the applier stops, and the next ``append(_:waiter:)`` starts another.
    func take() -> [Batch]? {
        state.withLock { state in
            guard !state.pending.isEmpty else {
                state.applying = false
                return nil
            }
            let batches = state.pending
            state.pending = []
            state.inFlight = batches
            return batches
        }
    }

    /// Marks `batches` (the last ``take()``) applied: wakes the readers waiting for them, and
    /// compacts the file when it has grown large.
    func applied(_ batches: [Batch]) {
        guard let last = batches.last?.number else { return }
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.applied = max(state.applied, last)
            state.inFlight = []
            if state.bytes >= Self.compactionThreshold { compact(&state) }
            var woken: [CheckedContinuation<Void, Never>] = []
            state.barriers.removeAll { barrier in
                guard barrier.number <= state.applied else { return false }
                woken.append(barrier.continuation)
                return true
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once every frame written before the call is applied.
    func barrier() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                let target = state.next - 1
                guard state.applied < target else { return true }
                state.barriers.append((target, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Replaces the file by one holding only the frames not yet applied (written to a temporary
    /// file and renamed over it, so a crash at any point leaves one whole journal).
    private func compact(_ state: inout State) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        var bytes = 0
        do {
            for batch in state.inFlight + state.pending {
                try Self.writeAll(batch.frame, to: descriptor, sync: false, path: temporary)
                bytes += batch.frame.count
            }
            if sync, fsync(descriptor) != 0 { throw StoreError.database("fsync \(temporary) failed") }
        } catch {
            closeDescriptor(descriptor)
            unlink(temporary)
            return
        }
        guard rename(temporary, path) == 0 else {
            closeDescriptor(descriptor)
            unlink(temporary)
            return
        }
        closeDescriptor(state.descriptor)
        state.descriptor = descriptor
        state.bytes = bytes
    }

    /// Empties the file (everything is applied) and closes it.
    func close() {
        state.withLock { state in
            if state.pending.isEmpty, state.inFlight.isEmpty { _ = ftruncate(state.descriptor, 0) }
            closeDescriptor(state.descriptor)
            state.descriptor = -1
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, sync: Bool, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StoreError.database("cannot write the record journal \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        if sync, fdatasync(descriptor) != 0 {
            throw StoreError.database("cannot sync the record journal \(path): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: - Reading (start-up)

    /// The whole frames in the file at `path`, in order, up to the first one that is cut short or
    /// damaged. A missing file has none.
    static func frames(at path: String) -> [(number: UInt64, records: [PendingRecord])] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [] }
        let bytes = [UInt8](data)
        var frames: [(UInt64, [PendingRecord])] = []
        var position = 0
        while bytes.count - position >= headerSize + 8 {
            var header = ByteReader(bytes, from: position, to: position + headerSize)
            guard let magic = try? header.uint32(), magic == Self.magic,
                let length = try? header.uint32(), let crc = try? header.uint32(),
                Int(length) >= 16, bytes.count - position - headerSize >= Int(length)
            else { break }
            let start = position + headerSize
            let end = start + Int(length)
            guard CRC32.checksum(bytes[start..<end]) == crc else { break }
            var reader = ByteReader(bytes, from: start, to: end - 8)
            var numberReader = ByteReader(bytes, from: end - 8, to: end)
            do {
                let count = try reader.int()
                guard count >= 0 else { break }
                var records: [PendingRecord] = []
                for _ in 0..<count { records.append(try PendingRecord.decode(from: &reader)) }
                frames.append((UInt64(bitPattern: try numberReader.int()), records))
            } catch {
                break
            }
            position = end
        }
        return frames
    }
}

/// An applied record's place in the chain.
struct ChainLink: Sendable {
    var seq: Int64
    var prevHash: String
    var hash: String
}
