import MoodSystem
import SystemPackage

/// Putting the listening socket at `socket.path` safely.
///
/// Before binding: whatever is at the path is looked at with `lstat` (never followed). Nothing: fine.
/// A symlink, a regular file, a directory, anything but a socket: refused and left alone, since
/// deleting it could be someone's data or an attack through a link. A socket: probed with a
/// `connect`; a live daemon answering means another moodd is running (refused), `ECONNREFUSED`
/// means a stale socket from a crashed run (unlinked and replaced).
///
/// Binding: the socket is bound inside a fresh private directory (`mkdtemp`, mode 0700) next to the
/// final path, given its mode and group there, and only then hard-linked to the final name (`link`
/// fails rather than replace anything that appeared meanwhile) and unlinked from the private one.
/// So there is no moment at which the socket is reachable with the wrong permissions, and no
/// process-wide `umask` change that would race other threads.
enum SocketPath {
    /// What `lstat` found at the path.
    enum Occupant: Equatable {
        case nothing
        case socket
        /// Anything else, named for the error message: "a symbolic link", "a regular file".
        case other(String)

        init(_ type: FileType) {
            switch type {
            case .socket: self = .socket
            case .symbolicLink: self = .other("a symbolic link")
            case .regular: self = .other("a regular file")
            case .directory: self = .other("a directory")
            case .fifo: self = .other("a FIFO")
            case .characterSpecial, .blockSpecial: self = .other("a device node")
            default: self = .other("not a socket")
            }
        }
    }

    /// Why the server will not start at a path.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case occupied(path: String, by: String)
        case alreadyRunning(path: String)
        case tooLong(path: String, bindPath: String)
        case noSuchGroup(String)

        var description: String {
            switch self {
            case .occupied(let path, let what):
                "\(path) exists and is \(what), not a socket; refusing to touch it (move it away or set socket.path)"
            case .alreadyRunning(let path):
                "another moodd is running: \(path) accepts connections"
            case .tooLong(let path, let bindPath):
                "socket path \(path) is too long: the temporary bind path \(bindPath) exceeds 107 bytes"
            case .noSuchGroup(let name):
                "socket.group '\(name)': no such group"
            }
        }
    }

    /// The inode the daemon created, to unlink at shutdown only if it is still ours.
    struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64

        init(_ status: Stat) {
            device = UInt64(status.deviceID.rawValue)
            inode = UInt64(status.inode.rawValue)
        }
    }

    /// `lstat`: what is at `path` (a link is not followed), nil if nothing is.
    static func status(_ path: String) throws(SystemError) -> Stat? {
        do {
            return try FileSystem.status(FilePath(path), followingLinks: false)
        } catch {
            throw SystemError(error, operation: "lstat \(path)")
        }
    }

    /// Checks the path and clears a stale socket; throws a `Refusal` or `SystemError` otherwise.
    static func clear(_ path: String) throws {
        guard let st = try status(path) else { return }
        switch Occupant(st.type) {
        case .nothing:
            return
        case .other(let what):
            throw Refusal.occupied(path: path, by: what)
        case .socket:
            if try probe(path) { throw Refusal.alreadyRunning(path: path) }
            do {
                try FileSystem.unlink(FilePath(path))
            } catch {
                if error != .noSuchFileOrDirectory { throw SystemError(error, operation: "unlink stale socket \(path)") }
            }
        }
    }

    /// True if something accepts connections at `path`; false for a stale socket (`ECONNREFUSED`).
    static func probe(_ path: String) throws -> Bool {
        guard let address = UnixSocketAddress(path) else { throw Refusal.tooLong(path: path, bindPath: path) }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.unixSocket(.stream)
        } catch {
            throw SystemError(error, operation: "socket")
        }
        defer { try? fd.close() }
        do {
            try fd.connect(to: address)
            return true
        } catch {
            switch error {
            case .resourceTemporarilyUnavailable: return true  // a full backlog answers EAGAIN: busy, but alive
            case .connectionRefused: return false
            default: throw SystemError(error, operation: "probe existing socket \(path)")
            }
        }
    }

    /// A private directory beside `path` to bind in; remove it with `removePrivateDirectory`.
    static func makePrivateDirectory(beside path: String) throws -> String {
        let directory = parent(of: path)
        do {
            return try FileSystem.makeTemporaryDirectory(FilePath(directory + "/.moodd-XXXXXX")).string
        } catch {
            throw SystemError(error, operation: "mkdtemp in \(directory)")
        }
    }

    static func removePrivateDirectory(_ directory: String) {
        try? FileSystem.unlink(FilePath(directory + "/s"))
        try? FileSystem.removeDirectory(FilePath(directory))
    }

    /// Applies mode and group to the freshly bound socket.
    static func applyPermissions(_ path: String, mode: UInt32, group: String) throws {
        if !group.isEmpty {
            let gid = try groupID(group)
            do {
                try FileSystem.setGroup(FilePath(path), gid)
            } catch {
                throw SystemError(error, operation: "chown \(path) to group \(group)")
            }
        }
        do {
            try FileSystem.setPermissions(FilePath(path), mode)
        } catch {
            throw SystemError(error, operation: "chmod \(path)")
        }
    }

    /// Publishes the socket under its final name without replacing anything; returns its identity.
    static func publish(_ bound: String, at path: String) throws -> Identity {
        do {
            try FileSystem.link(FilePath(bound), to: FilePath(path))
        } catch {
            if error == .fileExists { throw Refusal.alreadyRunning(path: path) }
            throw SystemError(error, operation: "link socket to \(path)")
        }
        try? FileSystem.unlink(FilePath(bound))
        guard let st = try status(path) else { throw SystemError(.noSuchFileOrDirectory, operation: "lstat \(path)") }
        return Identity(st)
    }

    /// Unlinks `path` if it is still the socket this daemon made (a newer daemon's socket stays).
    static func remove(_ path: String, ifStill identity: Identity) {
        guard let st = try? status(path), Identity(st) == identity else { return }
        try? FileSystem.unlink(FilePath(path))
    }

    /// A group name or a numeric gid.
    static func groupID(_ name: String) throws -> UInt32 {
        let found: UInt32?
        do {
            found = try FileSystem.groupID(name)
        } catch {
            throw SystemError(error, operation: "look up group \(name)")
        }
        guard let found else { throw Refusal.noSuchGroup(name) }
        return found
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
