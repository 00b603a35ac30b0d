#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

// The system calls swift-system does not wrap (sockets, poll, clocks, sleeping), each retried on
// EINTR here and nowhere else, failing with `Errno`. (swift-system `Internals/Syscalls.swift`,
// swift-nio `NIOPosix/System.swift`: the one place the library calls libc.)

var system_errno: Int32 { errno }

let CLOCK_MONOTONIC_ID = CLOCK_MONOTONIC
let CLOCK_REALTIME_ID = CLOCK_REALTIME
let CLOCK_THREAD_CPUTIME_ID_ = CLOCK_THREAD_CPUTIME_ID
let CLOCK_PROCESS_CPUTIME_ID_ = CLOCK_PROCESS_CPUTIME_ID

/// Runs `call` until it does not fail with `EINTR`; its result, or the `errno` of its -1.
@inline(__always)
func retryingInterrupts<I: FixedWidthInteger>(_ call: () -> I) throws(Errno) -> I {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = Errno.last
        if code != .interrupted { throw code }
    }
}

enum Syscall {
    static func socket(_ type: Int32) throws(Errno) -> Int32 {
        try retryingInterrupts { Glibc.socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
    }

    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(Errno) {
        _ = try retryingInterrupts { Glibc.connect(fd, address, length) }
    }

    static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(Errno) {
        _ = try retryingInterrupts { Glibc.bind(fd, address, length) }
    }

    static func listen(_ fd: Int32, _ backlog: Int32) throws(Errno) {
        _ = try retryingInterrupts { Glibc.listen(fd, backlog) }
    }

    static func accept(_ fd: Int32) throws(Errno) -> Int32 {
        let client = try retryingInterrupts { Glibc.accept(fd, nil, nil) }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)  // accept4 is behind _GNU_SOURCE, which Swift does not see
        return client
    }

    /// `send(2)` with `MSG_NOSIGNAL`: a peer that went away is `EPIPE`, not a signal.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    static func sendto(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ address: UnsafePointer<sockaddr>,
                       _ length: socklen_t) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), address, length) }
    }

    static func recv(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try retryingInterrupts { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    static func setsockopt(_ fd: Int32, _ option: Int32, _ value: Int32) throws(Errno) {
        var value = value
        _ = try retryingInterrupts { Glibc.setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<Int32>.size)) }
    }

    static func shutdown(_ fd: Int32, _ how: Int32) throws(Errno) {
        _ = try retryingInterrupts { Glibc.shutdown(fd, how) }
    }

    /// Bytes sent on `fd` that the peer has not read yet (`SIOCOUTQ`).
    static func unreadOutput(_ fd: Int32) throws(Errno) -> Int {
        var pending: Int32 = 0
        _ = try retryingInterrupts { ioctl(fd, UInt(TIOCOUTQ), &pending) }
        return Int(pending)
    }

    /// `poll(2)` on one descriptor for `events`; false when `milliseconds` passed first. Not retried
    /// on EINTR (the caller's deadline would stretch): an interrupted wait is a `false`.
    static func poll(_ fd: Int32, events: Int16, milliseconds: Int32) throws(Errno) -> Bool {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        let ready = Glibc.poll(&pfd, 1, milliseconds)
        if ready < 0 {
            let code = Errno.last
            if code == .interrupted { return false }
            throw code
        }
        return ready > 0
    }

    /// `clock_gettime`, nanoseconds.
    static func clock(_ id: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// `nanosleep`, resumed with the remaining time after a signal.
    static func sleep(nanoseconds: Int64) {
        guard nanoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    static func unlink(_ path: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.unlink(path) }
    }

    static func fdatasync(_ fd: Int32) throws(Errno) {
        _ = try retryingInterrupts { Glibc.fdatasync(fd) }
    }

    static func ftruncate(_ fd: Int32, _ size: Int64) throws(Errno) {
        _ = try retryingInterrupts { Glibc.ftruncate(fd, off_t(size)) }
    }

    /// `RLIMIT_FSIZE`'s soft limit, bytes; nil when unlimited.
    static func fileSizeLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
    }

    static func accessRead(_ path: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.access(path, R_OK) }
    }

    static func link(_ from: String, _ to: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.link(from, to) }
    }

    static func rename(_ from: String, _ to: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.rename(from, to) }
    }

    static func rmdir(_ path: String) throws(Errno) {
        _ = try retryingInterrupts { Glibc.rmdir(path) }
    }

    static func chmod(_ path: String, _ mode: UInt32) throws(Errno) {
        _ = try retryingInterrupts { Glibc.chmod(path, mode_t(mode)) }
    }

    static func chgrp(_ path: String, _ group: UInt32) throws(Errno) {
        _ = try retryingInterrupts { Glibc.chown(path, uid_t.max, gid_t(group)) }
    }

    /// `mkdtemp(3)` on `template` (ending in `XXXXXX`); the directory made.
    static func mkdtemp(_ template: String) throws(Errno) -> String {
        var bytes = Array(template.utf8CString)
        guard let made = Glibc.mkdtemp(&bytes) else { throw Errno.last }
        return String(cString: made)
    }

    /// `getgrnam_r(3)`: the group's id, nil when there is no such group.
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func groupID(_ name: String) throws(Errno) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>? = nil
        var buffer = [CChar](repeating: 0, count: 16_384)
        let code = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard code == 0 else { throw Errno(rawValue: code) }
        return result.map { UInt32($0.pointee.gr_gid) }
    }

    static var processID: Int32 { getpid() }
}

extension FileDescriptor.OpenOptions {
    /// `O_NOCTTY`: opening a terminal does not make it the process's controlling terminal.
    public static var noControllingTerminal: Self { Self(rawValue: O_NOCTTY) }
}
