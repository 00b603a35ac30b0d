import Foundation
import Synchronization
import MoodCore

/// "Try a file" is `moodd classify --json --timeline` run as a child process on the stored upload: the
/// same numbers as the command line by construction, a decoder that crashes on a hostile file takes
/// down only the child, and its memory is returned when it exits. Never in the daemon.
public struct ClassifyRunner: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The file was refused: the CLI's one line, with the uploaded name in place of the stored path.
        case badFile(String)
        /// moodd could not be run, crashed, or took longer than the limit.
        case failed(String)

        public var description: String {
            switch self {
            case .badFile(let reason), .failed(let reason): reason
            }
        }
    }

    /// The `moodd` executable.
    public let moodd: String
    /// `--model` (the daemon's `model.path`); empty: moodd's default model.
    public let model: String
    /// Seconds before the child is killed.
    public let timeout: Double

    public init(moodd: String, model: String, timeout: Double = 300) {
        self.moodd = moodd
        self.model = model
        self.timeout = timeout
    }

    public var arguments: [String] {
        ["classify", "--json", "--timeline"] + (model.isEmpty ? [] : ["--model", model])
    }

    /// Classifies `path`; the JSON object with `file` set to `name`.
    public func classify(path: String, name: String, scratch: String) async throws(Failure) -> String {
        let outPath = scratch + ".out", errPath = scratch + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil),
            let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath)
        else { throw .failed("cannot create the scratch files beside \(scratch)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: moodd)
        process.arguments = arguments + [path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let child = ChildID()
        let timeout = self.timeout
        let killer = Task {
            try? await Task.sleep(for: .seconds(timeout))
            let pid = child.pid.load(ordering: .acquiring)
            if !Task.isCancelled, pid > 0 { kill(pid, SIGKILL) }
        }
        defer { killer.cancel() }
        let status: Int32
        do {
            status = try await run(process) { child.pid.store($0, ordering: .releasing) }
        } catch {
            throw .failed("cannot run \(moodd): \(error)")
        }
        try? out.close()
        try? err.close()
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return try Self.result(status: status, reason: process.terminationReason == .uncaughtSignal ? "signal" : "exit",
                               output: output, errors: errors, path: path, name: name, timeout: timeout)
    }

    /// What the child's exit means for the page (pure, so the cases are tested without a child).
    public static func result(status: Int32, reason: String, output: String, errors: String, path: String, name: String, timeout: Double)
        throws(Failure) -> String
    {
        if reason == "signal" {
            throw .failed(status == SIGKILL ? "classifying took longer than \(DecimalFormat(decimals: 0).string(timeout)) s" : "moodd classify crashed (signal \(status))")
        }
        let firstError = errors.split(separator: "\n").first.map(String.init) ?? ""
        var reasonLine = firstError.hasPrefix("moodd: ") ? String(firstError.dropFirst(7)) : firstError
        reasonLine = reasonLine.replacingOccurrences(of: path, with: name)
        guard status == 0 else {
            throw .badFile(reasonLine.isEmpty ? "\(name): moodd classify failed (exit status \(status))" : reasonLine)
        }
        let line = output.split(separator: "\n").first.map(String.init) ?? ""
        let prefix = "{\"file\":" + JSONValue.string(path).encoded()
        guard line.hasPrefix(prefix) else { throw .failed("moodd classify printed no result for \(name)") }
        return "{\"file\":" + JSONValue.string(name).encoded() + line.dropFirst(prefix.count)
    }

    private func run(_ process: Process, started: (Int32) -> Void) async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            started(process.processIdentifier)
        }
    }
}

/// The child's pid, for the timeout's kill.
private final class ChildID: Sendable {
    let pid = Atomic<Int32>(0)
}
