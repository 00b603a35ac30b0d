import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

@Suite struct UnixLineSocketTests {
    /// A server end on a fresh path, and a connected `UnixLineSocket`.
    static func pair(_ directory: TemporaryDirectory) throws -> (server: FileDescriptor, client: UnixLineSocket) {
        let path = directory.path + "/s"
        let listener = try FileDescriptor.unixSocket(.stream)
        defer { try? listener.close() }
        try listener.bind(to: try #require(UnixSocketAddress(path)))
        try listener.listen(backlog: 1)
        let client = try UnixLineSocket(path: path)
        return (try listener.accept(), client)
    }

    @Test func linesSplitAcrossWritesComeWholeThenTheEnd() throws {
        let directory = try TemporaryDirectory()
        let (server, client) = try Self.pair(directory)
        try server.send(all: Array("hel".utf8))
        try server.send(all: Array("lo\nwor".utf8))
        try server.send(all: Array("ld\n\nlast".utf8))
        try server.close()
        let soon = SystemClock.now.advanced(bySeconds: 5)
        #expect(try client.nextLine(deadline: soon).map { String(decoding: $0, as: UTF8.self) } == "hello")
        #expect(try client.nextLine(deadline: soon).map { String(decoding: $0, as: UTF8.self) } == "world")
        #expect(try client.nextLine(deadline: soon) == [])
        #expect(try client.nextLine(deadline: soon) == nil)  // "last" has no newline: not a line
    }

    @Test func aSilentServerTimesOutAndAnEndlessLineIsRefused() throws {
        let directory = try TemporaryDirectory()
        let (server, client) = try Self.pair(directory)
        defer { try? server.close() }
        #expect(throws: UnixLineSocket.ReadError.timedOut) { try client.nextLine(deadline: SystemClock.now.advanced(bySeconds: 0.05)) }
        try server.send(all: [UInt8](repeating: UInt8(ascii: "x"), count: 100))
        #expect(throws: UnixLineSocket.ReadError.lineTooLong(64)) {
            try client.nextLine(deadline: SystemClock.now.advanced(bySeconds: 5), maxLineLength: 64)
        }
    }

    @Test func aPathTooLongForSockaddrIsNamed() {
        #expect(throws: Errno.fileNameTooLong) { try UnixLineSocket(path: "/tmp/" + String(repeating: "x", count: 200)) }
    }
}
