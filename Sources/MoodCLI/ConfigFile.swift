import MoodCore
import MoodSystem
import SystemPackage

/// What every program that takes `--config FILE` and `--set key=value` does with them (`moodd run`,
/// `moodd check-config`, `moodd-web`): read the file (the default one may be missing: defaults),
/// parse it, apply the overrides, and say where each key's value came from.
public enum ConfigFile {
    /// EX_CONFIG from sysexits.h: "something was found in an unconfigured or misconfigured state".
    public static let exConfig: Int32 = 78
    public static let defaultPath = "/etc/moodd/moodd.conf"

    /// Every problem, one line each, ready for stderr.
    public struct Failure: Error {
        public var messages: [String]
        public init(messages: [String]) { self.messages = messages }
    }

    /// The file parsed with the overrides applied, and where each key's value came from.
    public struct Result {
        public var loaded: Config.Loaded
        public let path: String
        public let overrides: [String: String]
        let fileRead: Bool

        /// `command line`, `FILE:LINE`, or the file (or `defaults`).
        public func origin(_ key: String) -> String {
            if overrides[key] != nil { return "command line" }
            if let line = loaded.lines[key] { return "\(path):\(line)" }
            return fileRead ? path : "defaults"
        }
    }

    /// `--set` assignments (`key=value`) keyed by full dotted key.
    public static func overrides(assignments: [String]) throws(Failure) -> [String: String] {
        var result: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw Failure(messages: ["command line: --set \(assignment): expected key=value, like smoothing.dwell=5"])
            }
            result[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return result
    }

    /// Reads `path` (nil: the default path, which may be absent), parses it and applies `overrides`.
    /// Every problem of the file and of the overrides (applied to the defaults when the file is invalid)
    /// is listed.
    public static func load(path: String?, overrides: [String: String]) throws(Failure) -> Result {
        let file = path ?? defaultPath
        var loaded = Config.Loaded(config: Config(), warnings: [])
        var messages: [String] = []
        var fileRead = false
        if let text = try read(file, required: path != nil) {
            fileRead = true
            do {
                loaded = try Config.parse(text, file: file)
            } catch {
                messages += error.diagnostics.map(\.description)
            }
        }
        do {
            loaded.config = try loaded.config.applying(overrides: overrides)
        } catch {
            messages += error.diagnostics.map(\.description)
        }
        guard messages.isEmpty else { throw Failure(messages: messages) }
        return Result(loaded: loaded, path: file, overrides: overrides, fileRead: fileRead)
    }

    /// The file's text; nil if it is not `required` and absent. Read with open(2)/read(2), so pipes
    /// (`--config <(...)`) work, errors carry strerror's words, and a huge or endless file (`/dev/zero`)
    /// is refused at 1 MiB instead of filling memory.
    private static func read(_ path: String, required: Bool) throws(Failure) -> String? {
        func failure(_ reason: String) -> Failure { Failure(messages: ["\(path): cannot read the configuration: \(reason)"]) }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            let code = error as? Errno ?? .ioError
            if code == .noSuchFileOrDirectory, !required { return nil }
            throw failure(code.description)
        }
        defer { try? fd.close() }
        let limit = 1 << 20
        let bytes: [UInt8]
        do {
            bytes = try fd.read(upTo: limit + 1)
        } catch {
            throw failure(error.description)
        }
        guard bytes.count <= limit else { throw failure("larger than 1 MiB, not a configuration file") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("not UTF-8 text") }
        return text
    }
}
