#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit

/// `moodd run` as a child process for the daemon-level fault tests: its own folder (socket, log,
/// stderr), started through an optional wrapper (`prlimit --fsize=...`), with the /proc readings
/// the tests assert on.
final class RunningDaemon {
    let directory: TemporaryDirectory
    let process: ChildProcess
    var socketPath: String { directory.path + "/moodd.sock" }
    var logPath: String { directory.path + "/moodd.log" }
    var stderrPath: String { directory.path + "/stderr" }

    struct DidNotStart: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `moodd run` with the repository's config, `arguments` after it, through `wrapper`
    /// (an executable and its arguments, which must exec moodd in the same process), in
    /// `environment`, standard input from `stdinPath` (default /dev/null); waits up to 30 s for the socket.
    init(_ arguments: [String], wrapper: [String] = [], environment: [String: String] = [:], stdinPath: String? = nil) throws {
        directory = try TemporaryDirectory()
        let moodd = Command.buildDirectory + "/moodd"
        let repository = URL(fileURLWithPath: Fixtures.directory).deletingLastPathComponent().deletingLastPathComponent().path
        let command = wrapper + [moodd, "run", "--config", repository + "/config/moodd.conf",
                                 "--socket", directory.path + "/moodd.sock", "--log", directory.path + "/moodd.log"] + arguments
        process = try ChildProcess(command[0], Array(command.dropFirst()), environment: environment,
                                   stderrPath: directory.path + "/stderr", stdinPath: stdinPath)
        let deadline = monotonicSeconds() + 30
        while access(socketPath, F_OK) != 0 {
            guard process.isRunning, monotonicSeconds() < deadline else {
                throw DidNotStart(description: "moodd did not start: \(stderr)")
            }
            usleep(20_000)
        }
    }

    deinit { process.terminate() }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Bytes in the event log now.
    var logSize: Int {
        var info = stat()
        return stat(logPath, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Resident bytes now.
    var residentBytes: Int { ResidentMemory.current(of: process.pid) ?? 0 }

    /// Open descriptors (/proc/PID/fd).
    var openDescriptors: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/fd")) ?? []).count
    }

    /// SIGTERM; the exit status (nil if it did not exit within `timeout` s).
    func stop(timeout: Double = 5) -> Int32? {
        kill(process.pid, SIGTERM)
        return process.wait(timeout: timeout)
    }
}
