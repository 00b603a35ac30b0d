#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodCore
import MoodSystem
import SystemPackage

/// An in-memory publisher speaking the current protocol on a Unix socket, for client tests (`moodctl`)
/// that must not depend on the daemon: greets each client with `hello` and the current `state`, answers
/// `{"cmd":"status"}` and `{"cmd":"history"}` (from a `HistoryRing` of what was broadcast, as of the
/// last broadcast's time), and sends whatever the test broadcasts. One thread polls the listening
/// socket and the clients; `broadcast` writes from the caller's thread under the same lock.
public final class FakeMoodServer: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.
    public let path: String
    private let lock = NSLock()
    private var hello: MoodEvent.Hello
    private var snapshot: MoodEvent.Snapshot
    private var history: HistoryRing
    /// The time of the last event broadcast: the fake's "now".
    private var now: Timestamp
    private var clients: [Int32: [UInt8]] = [:]  // fd -> unparsed input
    private var listener: Int32 = -1
    private var wake: (read: Int32, write: Int32) = (-1, -1)
    private var stopping = false
    private var connectionsAccepted = 0
    private let stopped = DispatchSemaphore(value: 0)

    public init(path: String, hello: MoodEvent.Hello, snapshot: MoodEvent.Snapshot) throws {
        self.path = path
        self.hello = hello
        self.snapshot = snapshot
        history = HistoryRing(settings: .init(), start: snapshot.time)
        now = snapshot.time
        do {
            guard let address = UnixSocketAddress(path) else { throw Errno.fileNameTooLong }
            let socket = try FileDescriptor.unixSocket(.stream)
            listener = socket.rawValue
            try socket.bind(to: address)
            try socket.listen(backlog: 64)
            let (read, write) = try FileDescriptor.pipe()
            wake = (read.rawValue, write.rawValue)
        } catch {
            if listener >= 0 { Glibc.close(listener) }
            throw UnixLineClient.Failure(description: "fake server at \(path): \(error)")
        }
        try SystemThread.start("fake moodd") { [self] in serve() }
    }

    deinit { stop() }

    /// Connections accepted so far.
    public var accepted: Int { lock.withLock { connectionsAccepted } }

    /// Clients connected now.
    public var connected: Int { lock.withLock { clients.count } }

    /// Waits until `count` clients are connected; false after `timeout` seconds.
    public func waitForClients(_ count: Int, timeout: Double = 5) -> Bool {
        waitUntil(timeout: timeout) { connected >= count }
    }

    /// Sends `event` to every connected client and, for `change`/`mood`, updates the snapshot.
    public func broadcast(_ event: MoodEvent) {
        lock.withLock {
            switch event {
            case .change(let c):
                snapshot.label = c.to
                snapshot.since = c.time
            case .mood(let m):
                snapshot.label = m.label
                snapshot.confidence = m.confidence
                snapshot.probabilities = m.probabilities
            default: break
            }
            let line = event.jsonLine()
            history.record(event, line: line)
            switch event {
            case .mood(let m): now = max(now, m.time)
            case .change(let c): now = max(now, c.time)
            case .source(let s): now = max(now, s.time)
            default: break
            }
            for fd in clients.keys { Self.writeAll(fd, line) }
        }
    }

    /// Closes every client connection (the daemon went away) but keeps listening. With
    /// `afterTheyRead`, first waits (up to `timeout` seconds) until each client has read everything
    /// sent to it (`SIOCOUTQ` is 0), so a test knows the client saw the events before the close.
    public func dropClients(afterTheyRead: Bool = false, timeout: Double = 5) {
        if afterTheyRead {
            let deadline = SystemClock.now.advanced(bySeconds: timeout)
            while SystemClock.now < deadline,
                  lock.withLock({ clients.keys.contains { (try? FileDescriptor(rawValue: $0).unreadOutput()) ?? 0 > 0 } }) {
                SystemClock.sleep(seconds: 0.001)
            }
        }
        lock.withLock {
            for fd in clients.keys { Glibc.close(fd) }
            clients = [:]
        }
    }

    /// Closes everything and removes the socket file; idempotent.
    public func stop() {
        let first: Bool = lock.withLock {
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }
        _ = Glibc.write(wake.write, "x", 1)
        stopped.wait()
        lock.withLock {
            for fd in clients.keys { Glibc.close(fd) }
            clients = [:]
        }
        Glibc.close(listener)
        Glibc.close(wake.read)
        Glibc.close(wake.write)
        unlink(path)
    }

    private func serve() {
        defer { stopped.signal() }
        while true {
            let clientFDs = lock.withLock { Array(clients.keys) }
            var pfds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            pfds += clientFDs.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&pfds, nfds_t(pfds.count), 100)
            if lock.withLock({ stopping }) { return }
            guard ready > 0 else { continue }
            if pfds[0].revents != 0 { accept() }
            for p in pfds.dropFirst(2) where p.revents != 0 { read(p.fd) }
        }
    }

    private func accept() {
        guard let fd = try? FileDescriptor(rawValue: listener).accept().rawValue else { return }
        lock.withLock {
            connectionsAccepted += 1
            clients[fd] = []
            Self.writeAll(fd, MoodEvent.hello(hello).jsonLine())
            Self.writeAll(fd, MoodEvent.state(counted(snapshot)).jsonLine())
        }
    }

    private func read(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        lock.withLock {
            guard clients[fd] != nil else { return }
            if n <= 0 {
                Glibc.close(fd)
                clients[fd] = nil
                return
            }
            var input = clients[fd]! + chunk[..<n]
            while let newline = input.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(input[..<newline])
                input.removeFirst(newline + 1)
                switch ClientCommand.parse(line) {
                case .success(.status): Self.writeAll(fd, MoodEvent.status(counted(snapshot)).jsonLine())
                case .success(.history(let seconds)): Self.writeAll(fd, history.reply(seconds: seconds, now: now, maxBytes: 1 << 17))
                case .failure(let rejection): Self.writeAll(fd, rejection.event.jsonLine())
                }
            }
            clients[fd] = input
        }
    }

    private func counted(_ snapshot: MoodEvent.Snapshot) -> MoodEvent.Snapshot {
        var s = snapshot
        s.counters.clients = clients.count
        return s
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        try? FileDescriptor(rawValue: fd).send(all: bytes)
    }
}
