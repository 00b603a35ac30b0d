import SystemPackage

/// Calls on paths that swift-system does not wrap, each failing with `Errno` (EINTR retried).
public enum FileSystem {
    /// What is at `path` (`lstat` with `followingLinks` false: a link is a link); nil if nothing is.
    public static func status(_ path: FilePath, followingLinks: Bool = true) throws(Errno) -> Stat? {
        do {
            return try Stat(path, followTargetSymlink: followingLinks)
        } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw error
        }
    }

    public static func unlink(_ path: FilePath) throws(Errno) { try Syscall.unlink(path.string) }

    /// This machine's name (`gethostname`); "localhost" if it has none.
    public static var hostname: String { Syscall.hostname() }

    /// `access(path, R_OK)`: whether this process may read `path`.
    public static func checkReadable(_ path: FilePath) throws(Errno) { try Syscall.accessRead(path.string) }

    /// `link(2)`: fails with `EEXIST` rather than replace anything at `to`.
    public static func link(_ from: FilePath, to: FilePath) throws(Errno) { try Syscall.link(from.string, to.string) }

    public static func rename(_ from: FilePath, to: FilePath) throws(Errno) { try Syscall.rename(from.string, to.string) }

    public static func removeDirectory(_ path: FilePath) throws(Errno) { try Syscall.rmdir(path.string) }

    /// `chmod(2)`.
    public static func setPermissions(_ path: FilePath, _ mode: UInt32) throws(Errno) { try Syscall.chmod(path.string, mode) }

    /// `chown(2)` of the group only.
    public static func setGroup(_ path: FilePath, _ group: UInt32) throws(Errno) { try Syscall.chgrp(path.string, group) }

    /// A fresh private directory (mode 0700) from `template`, which ends in `XXXXXX` (`mkdtemp`).
    public static func makeTemporaryDirectory(_ template: FilePath) throws(Errno) -> FilePath {
        FilePath(try Syscall.mkdtemp(template.string))
    }

    /// A group name or a numeric gid; nil when there is no such group.
    public static func groupID(_ name: String) throws(Errno) -> UInt32? {
        if let numeric = UInt32(name) { return numeric }
        return try Syscall.groupID(name)
    }

    /// This process's id.
    public static var processID: Int32 { Syscall.processID }
}
