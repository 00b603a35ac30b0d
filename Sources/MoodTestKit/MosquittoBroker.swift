import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private mosquitto broker for tests (Debian's `mosquitto`, installed by `scripts/bootstrap --test`):
/// anonymous, no persistence, on a port of its own on 127.0.0.1, TLS only when given certificates.
/// `messages` reads what a client that subscribes now would get first (`mosquitto_sub`).
public final class MosquittoBroker {
    public static let mosquitto = executablePath("mosquitto")
    public static let subscriber = executablePath("mosquitto_sub")
    public static var isAvailable: Bool { mosquitto != nil && subscriber != nil }
    public static let skipReason = "mosquitto or mosquitto_sub not installed (scripts/bootstrap --test installs mosquitto, mosquitto-clients)"

    public let port: Int
    /// The CA `messages` verifies the broker with; nil without TLS.
    public let caFile: String?
    private let directory: TemporaryDirectory
    private var process: ChildProcess?

    /// A broker on a free port (or `port`); not started. `anonymous` false: it refuses every client
    /// (no user is known to it), as a broker refuses a wrong password. `tls`: a TLS-only listener
    /// presenting that server certificate, which `messages` verifies with its CA.
    public init(anonymous: Bool = true, tls: TestCertificates.Authority? = nil, port: Int? = nil) throws {
        directory = try TemporaryDirectory()
        self.port = port ?? Int.random(in: 20_000...60_000)
        caFile = tls?.caFile
        var config = "listener \(self.port) 127.0.0.1\nallow_anonymous \(anonymous)\npersistence false\n"
        if let tls { config += "cafile \(tls.caFile)\ncertfile \(tls.certFile)\nkeyfile \(tls.keyFile)\n" }
        try config.write(toFile: directory.path + "/mosquitto.conf", atomically: true, encoding: .utf8)
    }

    deinit { stop() }

    /// Starts it and waits (up to 5 s) until it accepts subscribers.
    public func start() throws {
        process = try ChildProcess(Self.mosquitto!, ["-c", directory.path + "/mosquitto.conf"], environment: [:],
                                   stderrPath: directory.path + "/broker.log")
        let ready = waitUntil(timeout: 5) { self.log.contains("running") }
        guard ready else { throw ChildProcess.SpawnError(description: "mosquitto did not start on port \(port): \(log)") }
    }

    public func stop() {
        process?.terminate()
        process = nil
    }

    /// The broker's process id (to freeze it with SIGSTOP); -1 when not running.
    public var pid: Int32 { process?.pid ?? -1 }

    public var log: String { (try? String(contentsOfFile: directory.path + "/broker.log", encoding: .utf8)) ?? "" }

    /// The first `count` messages a new subscriber to `topics` receives within `timeout` seconds
    /// (retained ones first), as (topic, payload).
    public func messages(topics: [String], count: Int, timeout: Double) throws -> [(topic: String, payload: String)] {
        try subscribe(["-v"], topics: topics, count: count, timeout: timeout).map { line -> (topic: String, payload: String) in
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// When (Unix time, seconds) each of the first `count` messages on `topic` arrived at a new
    /// subscriber within `timeout` seconds.
    public func arrivals(topic: String, count: Int, timeout: Double) throws -> [Double] {
        try subscribe(["-F", "%U"], topics: [topic], count: count, timeout: timeout).compactMap { Double($0) }
    }

    private func subscribe(_ format: [String], topics: [String], count: Int, timeout: Double) throws -> [Substring] {
        let process = Process()
        // Through coreutils' timeout, which unblocks its signals: mosquitto_sub's own -W relies on
        // SIGALRM, which a child of the test process may inherit blocked (it then never times out).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", String(format: "%.1f", timeout), Self.subscriber!,
                             "-h", "127.0.0.1", "-p", "\(port)", "-C", "\(count)"] + format + topics.flatMap { ["-t", $0] }
            + (caFile.map { ["--cafile", $0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
    }
}
