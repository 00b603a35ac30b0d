import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

@Suite struct ProcFileTests {
    /// Found by SocketServerTests' descriptor count, which read `/proc/net/unix` with Foundation and
    /// missed its own listener whenever the machine had more than about 50 Unix sockets.
    @Test func readsAProcFileBeyondItsFirstPage() throws {
        let directory = try TemporaryDirectory()
        var sockets: [FileDescriptor] = []
        defer { for s in sockets { try? s.close() } }
        for i in 0..<120 {
            let s = try FileDescriptor.unixSocket(.stream)
            sockets.append(s)
            try s.bind(to: try #require(UnixSocketAddress(directory.path + "/s\(i)")))
        }
        let table = try #require(ProcFile.read("/proc/net/unix"))
        #expect(table.utf8.count > 4096)
        let ours = table.split(separator: "\n").filter { $0.contains(directory.path + "/s") }
        #expect(ours.count == 120)
    }
}
