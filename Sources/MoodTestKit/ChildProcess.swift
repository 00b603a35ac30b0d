import Foundation
import MoodSystem
#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC, in seconds.
public func monotonicSeconds() -> Double { SystemClock.now.seconds }

/// Where a helper program is, or nil: looked up in $PATH, then /usr/bin and /usr/sbin.
public func executablePath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"] {
        let candidate = dir + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// A child process started with posix_spawn, stdin/stdout/stderr on /dev/null, no signal blocked or
/// ignored.
///
/// Not Foundation's `Process`: pulseaudio closes every inherited descriptor at startup, which makes
/// Foundation (swift-corelibs) believe the child exited and block its monitoring thread in
/// waitpid until pulseaudio really exits, so no other child is reaped meanwhile.
public final class ChildProcess {
    public let pid: pid_t
    public private(set) var status: Int32?

    /// Standard input and output are /dev/null; standard error too, unless `stderrPath` names a file
    /// to receive it (created or truncated). `stdinPath` opens standard input from a file instead (a
    /// FIFO the test holds open for writing, to feed a `stdin` source).
    public init(_ executable: String, _ arguments: [String], environment: [String: String], stderrPath: String? = nil,
                stdinPath: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1] {
            posix_spawn_file_actions_addopen(&actions, fd, fd == 0 ? stdinPath ?? "/dev/null" : "/dev/null",
                                             fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        if let stderrPath {
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The child starts with no signal blocked and none ignored, whatever the spawning thread has
        // (SystemThread's and libdispatch's threads block most; a daemon run in process ignores
        // SIGPIPE): posix_spawn would pass both on, and a broker that blocks SIGTERM ignores `terminate`.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigemptyset(&all)
        for signal: Int32 in 1...31 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&all, signal) }  // the standard signals
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = wait(timeout: 2)
        }
    }

    public var isRunning: Bool {
        guard status == nil else { return false }
        var s: Int32 = 0
        if waitpid(pid, &s, WNOHANG) == pid {
            status = s
            return false
        }
        return true
    }

    /// Waits up to `timeout` s; returns the exit code (128 + signal when killed), nil if still running.
    public func wait(timeout: Double) -> Int32? {
        let deadline = monotonicSeconds() + timeout
        while isRunning {
            if monotonicSeconds() >= deadline { return nil }
            usleep(2000)
        }
        guard let s = status else { return nil }
        return s & 0x7F == 0 ? (s >> 8) & 0xFF : 128 + (s & 0x7F)
    }

    /// SIGTERM, SIGKILL after `grace` s; waits for the exit.
    public func terminate(grace: Double = 2) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if wait(timeout: grace) == nil {
            kill(pid, SIGKILL)
            _ = wait(timeout: 5)
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }
}

/// Runs `executable` with `arguments` and `environment`, waits at most `timeout` s (then kills it).
/// Returns the exit code, -1 on timeout.
@discardableResult
public func runTool(_ executable: String, _ arguments: [String], environment: [String: String], timeout: Double = 10) throws -> Int32 {
    let child = try ChildProcess(executable, arguments, environment: environment)
    if let code = child.wait(timeout: timeout) { return code }
    child.terminate(grace: 0.5)
    return -1
}
