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
/// writer thread and the group's commit. Now it copies its record's frame into this file, mapped
/// into memory (`MAP_SHARED`): no system call, no thread hop, no waiting for other requests. The
/// bytes are then in the kernel's page cache — as durable as a commit with `synchronous = NORMAL`:
/// they survive the process being killed, not the machine losing power (with
/// ``SQLiteStore/Durability/full`` each frame is also `msync`ed). A background task applies the
/// frames to the database in large transactions, computing the chain links there.
///
/// Each frame carries a number, increasing for the life of the database; the apply transaction
/// records the last number applied (`audit_head.journal_applied`). Whoever opens the database next
/// while no process serves it (a restarted `ajar serve`, or `ajar audit verify` after a crash)
/// applies the frames past that number first (``SQLiteStore/replayJournal(path:pool:logger:)``).
/// Queries of the serving process wait until everything written before their call is applied
/// (``barrier()``), so they see what was answered.
///
/// The file has a fixed size (space reserved up front, so a full disk fails an append, not a later
/// page fault); when the next frame does not fit, the frames not yet applied move to a new file,
/// renamed over the old one, so a crash at any point leaves one whole journal.
///
/// Frame: `magic u32 | length u32 | check u32 | payload | number u64`, little-endian, where
/// `length` counts payload and number and the check (``FrameChecksum``) covers both; the payload is a count and
/// ``PendingRecord``s. The zeros after the last frame, or a frame cut short (the machine lost power
/// mid-copy), end the journal.
final class RecordJournal: Sendable {
    static let magic: UInt32 = 0x414A_5250
    static let headerSize = 12
    /// The journal's size: about ten thousand requests' records.
    static let defaultCapacity = 8 << 20
    /// How long the applier lets records gather before a transaction (unless a query or a commit
    /// waits): large transactions write each WAL page once for many records. 100 ms against 20 ms
    /// wrote 3.4 KB per request instead of 3.9 (`wchar`, sockets included) at 5,000 requests/s.
    static let applyInterval: Duration = .milliseconds(100)

    struct Batch: Sendable {
        let number: UInt64
        let records: [PendingRecord]
        /// ``SQLiteStore/commit(_:)`` waits for the chain links; ``SQLiteStore/record(_:)`` does not.
        let waiter: CheckedContinuation<[ChainLink], any Error>?
    }

    /// The mapped file.
    private struct Mapping {
        var descriptor: Int32
        var base: UnsafeMutableRawPointer
        var capacity: Int
    }

    private struct State: ~Copyable {
        var mapping: Mapping?
        /// Where the next frame goes.
        var head = 0
        /// The number of the next frame.
        var next: UInt64
        /// Written, not yet taken by the applier.
        var pending: [Batch] = []
        /// Taken by the applier, not yet applied (moved with the pending ones to a new file).
        var inFlight: [Batch] = []
        var applying = false
        /// Every frame up to this number is applied (or given up).
        var applied: UInt64
        var barriers: [(number: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        /// The frame being encoded: kept, so that an append allocates nothing for it.
        var scratch: [UInt8] = []
        /// The applier's wait while records gather, cut short when a query waits.
        var nap: Task<Void, Never>?
    }

    let path: String
    private let sync: Bool
    private let state: Mutex<State>

    /// Creates the journal at `path` (replacing any file there: its frames must have been applied
    /// first); frames get numbers after `applied`.
    init(path: String, applied: UInt64, sync: Bool, capacity: Int = RecordJournal.defaultCapacity) throws {
        self.path = path
        self.sync = sync
        let mapping = try Self.map(path: path, capacity: capacity)
        state = Mutex(State(mapping: mapping, next: applied + 1, applied: applied))
    }

    /// Creates (emptying) and maps a file of `capacity` bytes, its blocks allocated.
    private static func map(path: String, capacity: Int) throws -> Mapping {
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError.database("cannot create the record journal \(path): \(String(cString: strerror(errno)))")
        }
        #if canImport(Glibc)
        let allocated = posix_fallocate(descriptor, 0, off_t(capacity))
        #else
        let allocated = ftruncate(descriptor, off_t(capacity)) == 0 ? 0 : errno
        #endif
        guard allocated == 0 else {
            closeDescriptor(descriptor)
            throw StoreError.database("cannot allocate \(capacity) bytes for the record journal \(path): \(String(cString: strerror(allocated)))")
        }
        guard let base = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), base != MAP_FAILED else {
            closeDescriptor(descriptor)
            throw StoreError.database("cannot map the record journal \(path): \(String(cString: strerror(errno)))")
        }
        return Mapping(descriptor: descriptor, base: base, capacity: capacity)
    }

    /// Encodes frame `number` of `records` into `buffer` (replacing what it held).
    static func encode(_ records: [PendingRecord], number: UInt64, into buffer: inout [UInt8]) {
        var writer = ByteWriter()
        swap(&writer.buffer, &buffer)
        writer.buffer.removeAll(keepingCapacity: true)
        writer.buffer.append(contentsOf: repeatElement(0, count: headerSize))
        writer.int(Int64(records.count))
        for record in records { record.encode(into: &writer) }
        writer.int(Int64(bitPattern: number))
        swap(&writer.buffer, &buffer)
        let check = FrameChecksum.of(buffer[headerSize...])
        let length = UInt32(truncatingIfNeeded: buffer.count - headerSize)
        buffer.withUnsafeMutableBytes { header in
            header.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
            header.storeBytes(of: length.littleEndian, toByteOffset: 4, as: UInt32.self)
            header.storeBytes(of: check.littleEndian, toByteOffset: 8, as: UInt32.self)
        }
    }

    /// Writes `records` as one frame and queues them for the applier.
    /// - Returns: whether the caller must start the applier (none is running).
    /// - Throws: ``StoreError/database(_:)`` when there is no room and none can be made; then
    ///   nothing was queued.
    func append(_ records: [PendingRecord], waiter: CheckedContinuation<[ChainLink], any Error>?) throws -> Bool {
        let (start, nap) = try state.withLock { state -> (Bool, Task<Void, Never>?) in
            let number = state.next
            // Encoded under the lock, into a buffer kept from the last append (a couple of µs).
            Self.encode(records, number: number, into: &state.scratch)
            let size = state.scratch.count
            if state.head + size > (state.mapping?.capacity ?? 0) { try moveToNewFile(&state, adding: size) }
            guard let mapping = state.mapping else { throw StoreError.database("the record journal is closed") }
            let start = state.head
            Self.copy(state.scratch, to: mapping.base + start)
            if sync { try Self.flush(mapping, from: start, count: size, path: path) }
            state.head += size
            state.next += 1
            state.pending.append(Batch(number: number, records: records, waiter: waiter))
            // A commit waits for its links: no gathering then.
            let nap = waiter == nil ? nil : state.nap
            guard !state.applying else { return (false, nap) }
            state.applying = true
            return (true, nap)
        }
        nap?.cancel()
        return start
    }

    /// `msync`s the pages holding `count` bytes from `start`.
    private static func flush(_ mapping: Mapping, from start: Int, count: Int, path: String) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = start / page * page
        guard msync(mapping.base + first, start + count - first, MS_SYNC) == 0 else {
            throw StoreError.database("cannot sync the record journal \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Lets records gather for ``applyInterval``, or less if a query waits for them.
    func gather() async {
        let nap = Task<Void, Never> { _ = try? await Task.sleep(for: Self.applyInterval) }
        let awaited = state.withLock { state -> Bool in
            state.nap = nap
            return !state.barriers.isEmpty || state.pending.contains { $0.waiter != nil }
        }
        if awaited { nap.cancel() }
        await nap.value
        state.withLock { $0.nap = nil }
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

    /// Marks `batches` (the last ``take()``) applied, and wakes the queries waiting for them.
    func applied(_ batches: [Batch]) {
        guard let last = batches.last?.number else { return }
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.applied = max(state.applied, last)
            state.inFlight = []
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
            let (done, nap) = state.withLock { state -> (Bool, Task<Void, Never>?) in
                let target = state.next - 1
                guard state.applied < target else { return (true, nil) }
                state.barriers.append((target, continuation))
                return (false, state.nap)
            }
            nap?.cancel()
            if done { continuation.resume() }
        }
    }

    /// The bytes of frames in the file now (for tests).
    var usedBytes: Int { state.withLock { $0.head } }

    /// Moves the frames not yet applied to a new file with room for `adding` more bytes, renamed
    /// over the current one once complete.
    private func moveToNewFile(_ state: inout State, adding: Int) throws {
        let kept = state.inFlight + state.pending
        // The frames are encoded again (they are not kept in memory: this happens once per file).
        var frames: [[UInt8]] = []
        for batch in kept {
            var frame: [UInt8] = []
            Self.encode(batch.records, number: batch.number, into: &frame)
            frames.append(frame)
        }
        let keptBytes = frames.reduce(0) { $0 + $1.count }
        var capacity = max(state.mapping?.capacity ?? Self.defaultCapacity, Self.defaultCapacity)
        while capacity < 2 * (keptBytes + adding) { capacity *= 2 }
        let temporary = path + ".tmp"
        let mapping = try Self.map(path: temporary, capacity: capacity)
        var head = 0
        for frame in frames {
            Self.copy(frame, to: mapping.base + head)
            head += frame.count
        }
        do {
            if sync {
                try Self.flush(mapping, from: 0, count: max(head, 1), path: temporary)
                guard fsync(mapping.descriptor) == 0 else { throw StoreError.database("cannot sync \(temporary)") }
            }
            guard rename(temporary, path) == 0 else {
                throw StoreError.database("cannot replace the record journal \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            Self.unmap(mapping)
            unlink(temporary)
            throw error
        }
        if let old = state.mapping { Self.unmap(old) }
        state.mapping = mapping
        state.head = head
    }

    private static func copy(_ bytes: [UInt8], to destination: UnsafeMutableRawPointer) {
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress { destination.copyMemory(from: address, byteCount: source.count) }
        }
    }

    private static func unmap(_ mapping: Mapping) {
        munmap(mapping.base, mapping.capacity)
        closeDescriptor(mapping.descriptor)
    }

    /// Empties the file (when everything is applied) and unmaps it.
    func close() {
        state.withLock { state in
            guard let mapping = state.mapping else { return }
            if state.pending.isEmpty, state.inFlight.isEmpty { _ = ftruncate(mapping.descriptor, 0) }
            Self.unmap(mapping)
            state.mapping = nil
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
            guard FrameChecksum.of(bytes[start..<end]) == crc else { break }
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
