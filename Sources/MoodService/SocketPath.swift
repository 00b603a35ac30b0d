#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFSOCK: self = .socket
            case S_IFLNK: self = .other("a symbolic link")
            case S_IFREG: self = .other("a regular file")
            case S_IFDIR: self = .other("a directory")
            case S_IFIFO: self = .other("a FIFO")
            case S_IFCHR, S_IFBLK: self = .other("a device node")
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
        var device: UInt
        var inode: UInt
    }

    /// Checks the path and clears a stale socket; throws a `Refusal` or `SystemError` otherwise.
    static func clear(_ path: String) throws {
        guard let st = try Syscall.lstatIfPresent(path) else { return }
        switch Occupant(mode: st.st_mode) {
        case .nothing:
            return
        case .other(let what):
            throw Refusal.occupied(path: path, by: what)
        case .socket:
            if try probe(path) { throw Refusal.alreadyRunning(path: path) }
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemError.last("unlink stale socket \(path)") }
        }
    }

    /// True if something accepts connections at `path`; false for a stale socket (`ECONNREFUSED`).
    static func probe(_ path: String) throws -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.last("socket") }
        defer { close(fd) }
        let result = Syscall.withUnixAddress(path) { address, length -> Int32 in
            var r: Int32
            repeat { r = connect(fd, address, length) } while r == -1 && errno == EINTR
            return r == 0 ? 0 : errno
        }
        switch result {
        case 0: return true
        // A full backlog answers EAGAIN: busy, but alive.
        case EAGAIN: return true
        case ECONNREFUSED: return false
        case nil: throw Refusal.tooLong(path: path, bindPath: path)
        case let code?: throw SystemError(code: code, operation: "probe existing socket \(path)")
        }
    }

    /// A private directory beside `path` to bind in; remove it with `removePrivateDirectory`.
    static func makePrivateDirectory(beside path: String) throws -> String {
        let directory = parent(of: path)
        var template = Array((directory + "/.moodd-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError.last("mkdtemp in \(directory)") }
        return String(cString: made)
    }

    static func removePrivateDirectory(_ directory: String) {
        unlink(directory + "/s")
        rmdir(directory)
    }

    /// Applies mode and group to the freshly bound socket.
    static func applyPermissions(_ path: String, mode: UInt32, group: String) throws {
        if !group.isEmpty {
            let gid = try groupID(group)
            guard chown(path, uid_t.max, gid) == 0 else { throw SystemError.last("chown \(path) to group \(group)") }
        }
        guard chmod(path, mode_t(mode)) == 0 else { throw SystemError.last("chmod \(path)") }
    }

    /// Publishes the socket under its final name without replacing anything; returns its identity.
    static func publish(_ bound: String, at path: String) throws -> Identity {
        guard link(bound, path) == 0 else {
            if errno == EEXIST { throw Refusal.alreadyRunning(path: path) }
            throw SystemError.last("link socket to \(path)")
        }
        unlink(bound)
        var st = stat()
        guard lstat(path, &st) == 0 else { throw SystemError.last("lstat \(path)") }
        return Identity(device: UInt(st.st_dev), inode: UInt(st.st_ino))
    }

    /// Unlinks `path` if it is still the socket this daemon made (a newer daemon's socket stays).
    static func remove(_ path: String, ifStill identity: Identity) {
        var st = stat()
        guard lstat(path, &st) == 0, UInt(st.st_dev) == identity.device, UInt(st.st_ino) == identity.inode else { return }
        unlink(path)
    }

    /// A group name or a numeric gid.
    static func groupID(_ name: String) throws -> gid_t {
        if let numeric = gid_t(name) { return numeric }
        var group = group()
        var result: UnsafeMutablePointer<group>? = nil
        var buffer = [CChar](repeating: 0, count: 16_384)
        let code = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard code == 0 else { throw SystemError(code: code, operation: "look up group \(name)") }
        guard let result else { throw Refusal.noSuchGroup(name) }
        return result.pointee.gr_gid
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
