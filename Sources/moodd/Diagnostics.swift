#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SystemPackage

/// The command line's one way of reporting failure: a single line on stderr, then a non-zero exit.
///
/// Errors from the libraries (`AudioError`, `ModelFileError`, ...) already describe themselves in one
/// line that names the file and the reason; this only prefixes the program name.
enum Diagnostics {
    /// Writes `moodd: <message>` and a newline to stderr (fd 2), in one write so lines never interleave.
    static func error(_ message: String) {
        let line = "moodd: " + String(message.map { $0 == "\n" ? " " : $0 }) + "\n"
        writeStandardError(line)
    }

    /// Runs `body` with fd 2 pointed at /dev/null, so that C libraries that print to stderr on their own
    /// (libmpg123 inside libsndfile: "Warning: Xing stream size off...", "[parse.c:...] warning: ...")
    /// cannot break the one-line rule; moodd's own message is written after fd 2 is restored.
    /// Single-threaded use only (the command line's).
    @discardableResult
    /// `silencingLibraries` for a whole multi-threaded run (`moodd scan`): `body` gets the real
    /// stderr to write its own lines to. Switching fd 2 per file from several threads would race.
    static func silencingLibrariesForTheRun<T>(_ body: (_ stderr: FileDescriptor) throws -> T) throws -> T {
        let saved = dup(2)
        guard saved >= 0 else { return try body(.standardError) }
        defer { close(saved) }
        return try silencingLibraries { try body(FileDescriptor(rawValue: saved)) }
    }

    static func silencingLibraries<T>(_ body: () throws -> T) throws -> T {
        let saved = dup(2)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if saved >= 0, null >= 0 { dup2(null, 2) }
        defer {
            if saved >= 0 {
                dup2(saved, 2)
                close(saved)
            }
            if null >= 0 { close(null) }
        }
        return try body()
    }

    /// Reports `error` in one line and returns the exit code to throw (`EX_DATAERR`-style 65 for bad
    /// input data, 1 otherwise).
    static func fail(_ error: any Error, code: Int32 = 1) -> ExitCode {
        Self.error(String(describing: error))
        return ExitCode(code)
    }
}
