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

    /// A write that fails says how much went out before it did, and why.
    @Test func aFailedWriteReportsItsProgress() throws {
        let full = try FileDescriptor.open("/dev/full", .writeOnly)
        defer { try? full.close() }
        let (written, error) = [UInt8](repeating: 1, count: 10).withUnsafeBytes { full.write(fully: $0) }
        #expect(written == 0)
        #expect(error == .noSpace)
    }
}
