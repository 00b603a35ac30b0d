import MoodCore
import MoodSystem
import Synchronization

/// moodd-web's one subscription to the daemon: a thread that connects to the socket, hands every line
/// to the hub, and when the daemon goes (stopped, restarted, not started yet) says so once and
/// reconnects, backing off from `retry.lowerBound` to `retry.upperBound` seconds. However many pages
/// are open, the daemon sees this one client.
public final class DaemonLink: Sendable {
    public let socketPath: String
    private let hub: LiveHub
    private let retry: ClosedRange<Double>
    private let stopped = Atomic<Bool>(false)

    public init(socketPath: String, hub: LiveHub, retry: ClosedRange<Double> = 0.25...2) {
        self.socketPath = socketPath
        self.hub = hub
        self.retry = retry
    }

    public func start() throws(SystemError) {
        try SystemThread.start("daemon link") { [self] in run() }
    }

    /// Stops reconnecting (the current connection ends with the process).
    public func stop() { stopped.store(true, ordering: .relaxed) }

    private func run() {
        var delay = retry.lowerBound
        while !stopped.load(ordering: .relaxed) {
            let reason: String
            do {
                let socket = try UnixLineSocket(path: socketPath)
                hub.connected()
                delay = retry.lowerBound
                reason = Self.read(socket, into: hub)
                socket.close()
            } catch {
                reason = "cannot connect to \(socketPath): \(error)"
            }
            hub.disconnected(reason: reason, at: Timestamp(millisecondsSinceEpoch: SystemClock.wallMilliseconds).rfc3339)
            SystemClock.sleep(seconds: delay)
            delay = min(retry.upperBound, delay * 2)
        }
    }

    /// Hands lines to the hub until the connection ends; why it ended.
    private static func read(_ socket: UnixLineSocket, into hub: LiveHub) -> String {
        while true {
            do {
                guard let line = try socket.nextLine(deadline: nil) else { return "moodd closed the connection" }
                hub.received(String(decoding: line, as: UTF8.self))
            } catch {
                return "the connection to moodd failed: \(error)"
            }
        }
    }
}
