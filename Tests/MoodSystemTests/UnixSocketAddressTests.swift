import MoodSystem
import MoodTestKit
import SystemPackage
import Testing

@Suite struct UnixSocketAddressTests {
    /// 107 bytes and its NUL fill `sun_path`; 108 do not, for a path. An abstract name needs no NUL.
    @Test func checksTheLengthInOnePlace() {
        #expect(UnixSocketAddress.maxPathLength == 107)
        #expect(UnixSocketAddress("/" + String(repeating: "a", count: 106)) != nil)
        #expect(UnixSocketAddress("/" + String(repeating: "a", count: 107)) == nil)
        #expect(UnixSocketAddress(pathOrAbstractName: "@" + String(repeating: "a", count: 107)) != nil)
        #expect(UnixSocketAddress(pathOrAbstractName: "@" + String(repeating: "a", count: 108)) == nil)
        #expect(UnixSocketAddress("@" + String(repeating: "a", count: 107)) == nil)  // a file named @aaa...
        #expect(UnixSocketAddress("") == nil)
    }

    /// A path, and an abstract name, bind and connect; a stream carries bytes both ways.
    @Test func bindsConnectsAndCarriesBytes() throws {
        let directory = try TemporaryDirectory()
        for path in [directory.path + "/s", "@moodd-test-\(FileSystem.processID)"] {
            let address = try #require(UnixSocketAddress(pathOrAbstractName: path))
            let listener = try FileDescriptor.unixSocket(.stream)
            defer { try? listener.close() }
            try listener.bind(to: address)
            try listener.listen(backlog: 4)
            let client = try FileDescriptor.connectedUnixSocket(to: address)
            defer { try? client.close() }
            let server = try listener.accept()
            defer { try? server.close() }
            try client.send(all: Array("hello\n".utf8))
            #expect(try server.waitForInput(milliseconds: 5000))
            #expect(try server.receive(maxCount: 64) == Array("hello\n".utf8))
            if path.hasPrefix("/") {
                // SIOCOUTQ: what the peer has not read yet (FakeMoodServer waits for 0 before closing).
                try server.send(all: [1, 2, 3])
                #expect(try server.unreadOutput() > 0)
                #expect(try client.receive(maxCount: 64) == [1, 2, 3])
                #expect(try server.unreadOutput() == 0)
            }
            try server.finishSending()
            #expect(try client.receive(maxCount: 64) == [])
        }
    }

    /// Nothing listening: `ENOENT` for a missing path, `ECONNREFUSED` for a socket nobody accepts on.
    @Test func reportsWhyAConnectFailed() throws {
        let directory = try TemporaryDirectory()
        let address = try #require(UnixSocketAddress(directory.path + "/none"))
        #expect(throws: Errno.noSuchFileOrDirectory) { try FileDescriptor.connectedUnixSocket(to: address) }
        let bound = try FileDescriptor.unixSocket(.stream)
        try bound.bind(to: address)
        try bound.close()
        #expect(throws: Errno.connectionRefused) { try FileDescriptor.connectedUnixSocket(to: address) }
    }
}
