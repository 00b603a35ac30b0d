#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// A `sockaddr_un`, filled in this one place, with the length check: a socket file's path, or (for
/// `$NOTIFY_SOCKET`) a name in Linux's abstract namespace.
public struct UnixSocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// As given: `/run/moodd/moodd.sock` or `@name`.
    public let path: String
    private let bytes: [UInt8]  // sun_path's content: the path, or NUL and the name
    private let isAbstract: Bool

    /// Bytes `sun_path` holds, its terminating NUL included (108 on Linux).
    public static let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    /// The longest path in bytes: a path needs its terminating NUL, an abstract name does not.
    public static let maxPathLength = capacity - 1

    /// A socket file at `path` (a leading `@` is part of the name, as `bind(2)` takes it); nil when
    /// `path` is empty or longer than 107 bytes.
    public init?(_ path: String) {
        self.init(path, abstract: false)
    }

    /// `$NOTIFY_SOCKET`'s form: a path, or with a leading `@` a name in the abstract namespace.
    public init?(pathOrAbstractName path: String) {
        self.init(path, abstract: path.utf8.first == UInt8(ascii: "@"))
    }

    private init?(_ path: String, abstract: Bool) {
        var bytes = Array(path.utf8)
        if abstract { bytes[0] = 0 }
        guard !bytes.isEmpty, bytes.count <= (abstract ? Self.capacity : Self.capacity - 1) else { return nil }
        self.path = path
        self.bytes = bytes
        self.isAbstract = abstract
    }

    public var description: String { path }

    /// Calls `body` with the filled address and its length (the path's own length, plus its NUL).
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> R) throws(Errno) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (isAbstract ? 0 : 1)
        return try withUnsafePointer(to: &address) { (pointer) throws(Errno) -> R in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) -> R in
                try body(raw, socklen_t(length))
            }
        }
    }
}
