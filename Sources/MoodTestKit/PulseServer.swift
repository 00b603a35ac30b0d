import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PulseAudio server for one test (docs: /work/shared/AUDIO-TESTING.md): anonymous auth
/// on a Unix socket in a temporary directory, HOME and XDG_RUNTIME_DIR inside it so nothing touches
/// the real user's setup, no SHM, and one null sink `spk` (its monitor `spk.monitor` is what the
/// capture source records). Killed and its directory removed on `deinit`.
public final class PulseServer {
    public static let pulseaudio = executablePath("pulseaudio")
    public static let paplay = executablePath("paplay")
    public static let pactl = executablePath("pactl")
    public static var isAvailable: Bool { pulseaudio != nil && paplay != nil && pactl != nil }
    public static let skipReason = "pulseaudio, paplay or pactl not installed (scripts/bootstrap --test installs pulseaudio, pulseaudio-utils)"

    public let directory: TemporaryDirectory
    public let sinkArguments: String
    private var process: ChildProcess?
    /// CLOCK_MONOTONIC seconds of the last `start`'s spawn.
    public private(set) var spawnedAt = 0.0

    public var socket: String { directory.path + "/native" }
    /// For `PulseAudioSource(server:)` and `$PULSE_SERVER`.
    public var address: String { "unix:" + socket }
    public var environment: [String: String] {
        ["HOME": directory.path + "/home", "XDG_RUNTIME_DIR": directory.path + "/run", "PULSE_SERVER": address,
         "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    }

    /// `sink`: module-null-sink's format arguments, e.g. `rate=48000 channels=2 format=s24le`.
    public init(sink: String) throws {
        directory = try TemporaryDirectory()
        sinkArguments = sink
        for sub in ["home", "run"] {
            try FileManager.default.createDirectory(atPath: directory.path + "/" + sub, withIntermediateDirectories: true)
        }
    }

    deinit { kill() }

    public var isRunning: Bool { process?.isRunning ?? false }

    /// Starts the server and waits (at most `timeout` s) until `spk.monitor` is listed.
    public func start(timeout: Double = 10) throws {
        guard let pulseaudio = Self.pulseaudio, let pactl = Self.pactl else { throw Failure("pulseaudio not installed") }
        spawnedAt = monotonicSeconds()
        let p = try ChildProcess(pulseaudio, [
            "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes", "--use-pid-file=no",
            "--log-target=file:\(directory.path)/pa.log",
            "--load=module-native-protocol-unix auth-anonymous=1 socket=\(socket)",
            "--load=module-null-sink sink_name=spk \(sinkArguments) norewinds=1",
        ], environment: environment)
        process = p
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            guard p.isRunning else { throw Failure("pulseaudio exited with \(p.status ?? -1); see \(directory.path)/pa.log") }
            if FileManager.default.fileExists(atPath: socket),
               try runTool(pactl, ["list", "short", "sources"], environment: environment, timeout: 2) == 0 {
                return
            }
            usleep(10_000)
        }
        throw Failure("pulseaudio did not come up within \(timeout) s")
    }

    /// SIGTERM, then SIGKILL after 2 s; waits for the exit. A stopped server is continued first,
    /// so that it sees the SIGTERM.
    public func kill() {
        if let process, process.isRunning { Glibc.kill(process.pid, SIGCONT) }
        process?.terminate()
        process = nil
    }

    /// Freezes the server with SIGSTOP: its connections stay open, nothing moves on them (what a
    /// debugger, a cgroup freezer or a suspended desktop session does to a sound server).
    public func freeze() {
        if let process, process.isRunning { Glibc.kill(process.pid, SIGSTOP) }
    }

    /// SIGCONT: the frozen server runs again.
    public func thaw() {
        if let process, process.isRunning { Glibc.kill(process.pid, SIGCONT) }
    }

    /// Plays `path` into `spk` with paplay and waits for it to finish (at most `timeout` s).
    public func play(_ path: String, timeout: Double = 15) throws {
        guard let paplay = Self.paplay else { throw Failure("paplay not installed") }
        let status = try runTool(paplay, ["-d", "spk", path], environment: environment, timeout: timeout)
        guard status == 0 else { throw Failure("paplay \(path) exited with \(status)") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
