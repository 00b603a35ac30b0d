import MoodCore
import MoodSystem
import SystemPackage

/// What a configuration names outside itself, checked before anything starts: the socket's group
/// and directory, the model file, a `file:` source, the log file's type. `moodd check-config` lists
/// every problem; `moodd run` refuses to start (exit 78) on any, instead of failing with exit 1
/// after capture has begun, or with words that name neither the key nor a fix.
///
/// Checks look, never create or change anything; what only the running daemon can find out
/// (another moodd at the socket, a model file's contents) is left to it.
public enum ConfigCheck {
    /// One problem with one key's value.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var message: String
        public init(key: String, message: String) {
            self.key = key
            self.message = message
        }
        public var description: String { "key '\(key)': \(message)" }
    }

    /// Every problem, in the order of `Config.keys`.
    /// - Parameter socketDirectory: whether the socket's directory must exist now. `run` needs it;
    ///   `check-config` does not ask, since systemd's `RuntimeDirectory=` makes it only as the
    ///   service starts.
    public static func problems(_ config: Config, socketDirectory: Bool = true) -> [Problem] {
        var problems: [Problem] = []
        if case .file(let path, _, _) = config.source,
            let reason = unreadable(path, allowFIFO: true)
        {
            problems.append(Problem(key: "audio.source", message: "\(path): \(reason)"))
        }
        for (key, path) in [("mqtt.password_file", config.mqttPasswordFile), ("mqtt.tls", config.mqttTLS)]
        where !config.mqttHost.isEmpty && !path.isEmpty {
            if let reason = unreadable(path, allowFIFO: false) { problems.append(Problem(key: key, message: "\(path): \(reason)")) }
        }
        if !config.mqttHost.isEmpty, let reason = MosquittoClient.unavailable {
            problems.append(Problem(key: "mqtt.host", message: reason))
        }
        if !config.modelPath.isEmpty, let reason = unreadable(config.modelPath, allowFIFO: false) {
            problems.append(Problem(key: "model.path", message: "\(config.modelPath): \(reason)"))
        }
        let directory = SocketPath.parent(of: config.socketPath)
        if socketDirectory, let reason = notADirectory(directory) {
            problems.append(Problem(
                key: "socket.path",
                message: "the socket's directory \(directory) \(reason); create it, or set socket.path (--socket) elsewhere"))
        }
        if !config.socketGroup.isEmpty {
            do {
                _ = try SocketPath.groupID(config.socketGroup)
            } catch SocketPath.Refusal.noSuchGroup(let name) {
                problems.append(Problem(key: "socket.group", message: "no such group \"\(name)\" (see getent group)"))
            } catch {
                problems.append(Problem(key: "socket.group", message: "\(error)"))
            }
        }
        if !config.logPath.isEmpty, let reason = LogFile.unusableType(config.logPath) {
            problems.append(Problem(key: "log.path", message: reason))
        }
        return problems
    }

    /// Why `path` cannot be read as a file, or nil. Looks only (a FIFO is not opened: that would
    /// block until a writer came).
    static func unreadable(_ path: String, allowFIFO: Bool) -> String? {
        let st: Stat
        do {
            st = try Stat(FilePath(path))
        } catch {
            return error.description
        }
        switch st.type {
        case .regular: break
        case .fifo where allowFIFO: break
        case .directory: return "is a directory, not a file"
        default: return "is not a regular file"
        }
        do {
            try FileSystem.checkReadable(FilePath(path))
        } catch {
            return "cannot read: \(error)"
        }
        return nil
    }

    static func notADirectory(_ path: String) -> String? {
        let st: Stat
        do {
            st = try Stat(FilePath(path))
        } catch {
            return error == .noSuchFileOrDirectory ? "does not exist" : error.description
        }
        return st.type == .directory ? nil : "is not a directory"
    }
}
