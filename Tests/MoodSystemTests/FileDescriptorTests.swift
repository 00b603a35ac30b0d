import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

@Suite struct FileDescriptorTests {
    @Test func writesFullyAndReadsUpToALimit() throws {
        let directory = try TemporaryDirectory()
        let path = FilePath(directory.path + "/f")
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .closeOnExec], permissions: [.ownerReadWrite])
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        try fd.write(fully: bytes)
        try fd.synchronizeData()
        try fd.close()
        let back = try FileDescriptor.open(path, .readOnly)
        defer { try? back.close() }
        #expect(try back.read(upTo: 1000) == Array(bytes[..<1000]))
        #expect(try back.read(upTo: 1 << 20) == Array(bytes[1000...]))
        #expect(try FileSystem.status(path)?.size == 100_000)
        #expect(try FileSystem.status(FilePath(directory.path + "/absent")) == nil)
    }

    /// A limit bounds a read; it is not the buffer's size. `moodd run` read its 3 KB configuration with
    /// a 1 MiB limit into a 1 MiB buffer; freeing it raised glibc's mmap threshold to 1 MiB, and the
    /// model loader's temporaries then left about 1 MB of holes in the heap for the daemon's lifetime
    /// (docs/benchmarks.md, "Where the memory went").
    @Test func aSmallFileReadWithALargeLimitGetsASmallBuffer() throws {
        let directory = try TemporaryDirectory()
        let path = FilePath(directory.path + "/small")
        let bytes = (0..<3_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .closeOnExec], permissions: [.ownerReadWrite])
        try fd.write(fully: bytes)
        try fd.close()
        let back = try FileDescriptor.open(path, .readOnly)
        defer { try? back.close() }
        let read = try back.read(upTo: (1 << 20) + 1)
        #expect(read == bytes)
        #expect(read.capacity < 128 * 1024, "a 3,000-byte file took a buffer of \(read.capacity) bytes")
    }

    /// The buffer grows with what arrives, and the limit still holds: a file larger than the first
    /// buffer (`expected`) is read whole, one larger than `limit` is cut at `limit`; a file of
    /// exactly `expected` bytes is read into one buffer of that size.
    @Test func readsGrowPastTheExpectedSizeUpToTheLimit() throws {
        let directory = try TemporaryDirectory()
        let path = FilePath(directory.path + "/f")
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .closeOnExec], permissions: [.ownerReadWrite])
        try fd.write(fully: bytes)
        try fd.close()
        func read(upTo limit: Int, expected: Int) throws -> [UInt8] {
            let back = try FileDescriptor.open(path, .readOnly)
            defer { try? back.close() }
            return try back.read(upTo: limit, expected: expected)
        }
        #expect(try read(upTo: 1 << 20, expected: 1_000) == bytes)
        #expect(try read(upTo: 250_001, expected: 1_000) == Array(bytes[..<250_001]))
        let exact = try read(upTo: 300_000, expected: 300_000)
        #expect(exact == bytes)
        #expect(exact.capacity < 300_000 + 4096)
        #expect(try read(upTo: 0, expected: 1_000) == [])
    }

    /// A write that fails says how much went out before it did, and why.
    @Test func aFailedWriteReportsItsProgress() throws {
        let full = try FileDescriptor.open("/dev/full", .writeOnly)
        defer { try? full.close() }
        let (written, error) = [UInt8](repeating: 1, count: 10).withUnsafeBytes { full.write(fully: $0) }
        #expect(written == 0)
        #expect(error == .noSpace)
    }
}
