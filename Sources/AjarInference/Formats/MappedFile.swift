#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be mapped.
package enum MappedFileError: Error, Equatable, CustomStringConvertible {
    /// `open(2)` or `fstat(2)` failed.
    case cannotOpen(path: String, errno: Int32)
    /// `mmap(2)` failed.
    case cannotMap(path: String, byteCount: Int, errno: Int32)

    package var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            return "cannot open \(path): \(String(cString: strerror(code)))"
        case .cannotMap(let path, let byteCount, let code):
            return "cannot map \(byteCount) bytes of \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// A whole file mapped read-only into memory (`mmap(PROT_READ, MAP_PRIVATE)`), unmapped in `deinit`.
///
/// `Sendable` because the mapping is immutable: it is created once, never written (the pages are
/// `PROT_READ`), never remapped, and only unmapped when the last reference goes away. Any number of
/// threads may read `bytes` at the same time. Pointers derived from `bytes` are valid only while
/// this object is alive; `TensorView` keeps a reference to it for that reason.
package final class MappedFile: Sendable {
    /// The path it was opened from, or a description for anonymous mappings.
    package let path: String
    /// Number of bytes of the file (the mapping may be longer when the file is empty).
    package let count: Int
    /// First byte of the mapping. `nonisolated(unsafe)` only because raw pointers are not
    /// `Sendable`; see the type's comment for why sharing it is safe.
    nonisolated(unsafe) private let base: UnsafeMutableRawPointer
    private let mappedLength: Int

    /// Maps the file at `path`.
    /// - Parameters:
    ///   - path: A file system path.
    ///   - populate: Prefault every page now (`MAP_POPULATE` on Linux), so the first token does
    ///     not pay for page faults. Costs the read of the whole file at load.
    /// - Throws: `MappedFileError` when the file cannot be opened, stat'ed or mapped.
    package init(path: String, populate: Bool = false) throws(MappedFileError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, errno: errno) }
        let size = Int(info.st_size)
        self.path = path
        self.count = size
        // mmap refuses a length of 0; an empty file gets one anonymous page so `bytes` stays valid.
        if size == 0 {
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            guard let anon = MappedFile.mapAnonymous(byteCount: pageSize) else {
                throw .cannotMap(path: path, byteCount: pageSize, errno: errno)
            }
            mprotect(anon, pageSize, PROT_READ)
            self.base = anon
            self.mappedLength = pageSize
            return
        }
        var flags = MAP_PRIVATE
        #if os(Linux)
        if populate { flags |= Int32(MAP_POPULATE) }
        #endif
        let address = mmap(nil, size, PROT_READ, flags, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw .cannotMap(path: path, byteCount: size, errno: errno)
        }
        self.base = address
        self.mappedLength = size
    }

    /// Copies `bytes` into a fresh anonymous mapping that is then made read-only. Used for GGUF
    /// data that is not on disk (tests, downloads held in memory).
    /// - Throws: `MappedFileError.cannotMap` when the anonymous mapping fails.
    package init(copying bytes: some Collection<UInt8>, description: String = "<memory>") throws(MappedFileError) {
        let size = bytes.count
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = max(pageSize, (size + pageSize - 1) / pageSize * pageSize)
        guard let anon = MappedFile.mapAnonymous(byteCount: length) else {
            throw .cannotMap(path: description, byteCount: length, errno: errno)
        }
        let target = UnsafeMutableRawBufferPointer(start: anon, count: size)
        target.copyBytes(from: bytes)
        mprotect(anon, length, PROT_READ)
        self.path = description
        self.count = size
        self.base = anon
        self.mappedLength = length
    }

    deinit {
        munmap(base, mappedLength)
    }

    /// The file's bytes, `[count]`. Valid while `self` is alive.
    package var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: count)
    }

    /// Asks the kernel to read the mapping ahead (`madvise(MADV_WILLNEED)`); a hint, errors ignored.
    package func adviseWillNeed() {
        _ = madvise(base, mappedLength, MADV_WILLNEED)
    }

    private static func mapAnonymous(byteCount: Int) -> UnsafeMutableRawPointer? {
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED else { return nil }
        return address
    }
}
