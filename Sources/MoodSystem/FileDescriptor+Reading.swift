import SystemPackage

/// Whole-buffer reads and writes on top of swift-system's `read`/`write` (which retry EINTR).
extension FileDescriptor {
    /// Writes all of `bytes`, continuing after partial writes. On failure says how much went out
    /// (the event log takes a cut-short line back with `ftruncate`); a write of 0 bytes is `EIO`.
    public func write(fully bytes: UnsafeRawBufferPointer) -> (written: Int, error: Errno?) {
        var done = 0
        while done < bytes.count {
            do {
                let n = try write(UnsafeRawBufferPointer(rebasing: bytes[done...]))
                guard n > 0 else { return (done, .ioError) }
                done += n
            } catch {
                return (done, error as? Errno ?? .ioError)
            }
        }
        return (done, nil)
    }

    /// Writes all of `bytes` or throws.
    public func write(fully bytes: [UInt8]) throws(Errno) {
        let (_, error) = bytes.withUnsafeBytes { write(fully: $0) }
        if let error { throw error }
    }

    /// Reads until `limit` bytes or the end of the file, whichever comes first (a pipe is read
    /// until its writer closes it). Reading `limit + 1` tells "larger than `limit`" apart.
    ///
    /// `limit` bounds the read; it does not size the buffer. The first buffer holds `expected` bytes
    /// (at most `limit`), and it doubles while more arrives, so a 3 KB file read with a 1 MiB limit
    /// costs a 64 KiB buffer. (A 1 MiB buffer, freed, raised glibc's mmap threshold to 1 MiB for the
    /// rest of the process: the daemon's later allocations of up to 1 MiB came from the heap instead
    /// of mappings of their own, and the model loader's temporaries left ~1 MB of holes in it.)
    /// - Parameter expected: the size the caller expects (a regular file's `stat` size): a file of
    ///   that size is read into one buffer of that size.
    public func read(upTo limit: Int, expected: Int = 64 * 1024) throws(Errno) -> [UInt8] {
        precondition(limit >= 0 && expected >= 0, "negative read size")
        var bytes: [UInt8] = []
        var capacity = Swift.min(limit, Swift.max(expected, 1))
        var failure: Errno?
        var atEnd = false
        while !atEnd, failure == nil, bytes.count < limit {
            let held = bytes
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var done = held.count
                _ = UnsafeMutableBufferPointer(rebasing: buffer[..<done]).initialize(fromContentsOf: held)
                while done < capacity {
                    do {
                        let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[done...]))
                        if n == 0 {
                            atEnd = true
                            break
                        }
                        done += n
                    } catch {
                        failure = error as? Errno ?? .ioError
                        break
                    }
                }
                initialized = done
            }
            capacity = Swift.min(limit, capacity * 2)
        }
        if let failure { throw failure }
        return bytes
    }

    /// `fdatasync(2)`.
    public func synchronizeData() throws(Errno) {
        try Syscall.fdatasync(rawValue)
    }

    /// `ftruncate(2)`.
    public func truncate(to size: Int64) throws(Errno) {
        try Syscall.ftruncate(rawValue, size)
    }

    /// Whether writing `count` more bytes would take the file past `RLIMIT_FSIZE` (where the kernel
    /// writes only the part below the limit, then fails with `EFBIG`). False when unlimited or unknown.
    public func wouldCrossFileSizeLimit(adding count: Int) -> Bool {
        guard let limit = Syscall.fileSizeLimit(), let size = try? stat().size else { return false }
        return UInt64(size) + UInt64(count) > limit
    }
}
