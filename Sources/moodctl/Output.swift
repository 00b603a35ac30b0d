import ArgumentParser
import MoodSystem
import SystemPackage

/// moodctl's output: whole lines straight to the descriptors (no stdio buffering, so a script
/// reading `moodctl watch` through a pipe gets each line as it happens).
enum Output {
    /// Writes `text` and a newline to stdout; false once the reader went away (EPIPE).
    @discardableResult
    static func line(_ text: String) -> Bool {
        write(1, Array((text + "\n").utf8))
    }

    static func line(_ bytes: [UInt8]) -> Bool {
        write(1, bytes + [UInt8(ascii: "\n")])
    }

    /// `moodctl: <message>` on stderr, one line.
    static func error(_ message: String) {
        _ = write(2, Array(("moodctl: " + message.split(separator: "\n").joined(separator: " ") + "\n").utf8))
    }

    /// Reports `failure` and returns the exit code to throw: 124 for a timeout, 1 otherwise.
    static func fail(_ failure: EventConnection.Failure, timeoutMessage: String? = nil) -> ExitCode {
        if failure.isTimeout {
            error(timeoutMessage ?? failure.description)
            return ExitCode(124)
        }
        error(failure.description)
        return ExitCode(1)
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        (try? FileDescriptor(rawValue: fd).write(fully: bytes)) != nil
    }
}
