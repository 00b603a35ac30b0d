import MoodSystem
import SystemPackage

extension SafeTensors {
    /// The whole file in one buffer: `open`, `fstat`, then `read` until done (EINTR retried by
    /// swift-system).
    static func readFile(_ path: String) throws(ModelFileError) -> [UInt8] {
        func fail(_ what: String, _ error: any Error) -> ModelFileError {
            ModelFileError(path: path, kind: .unreadable, reason: "\(what): \((error as? Errno ?? .ioError).description)")
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])  // NONBLOCK: a FIFO must not hang the open
        } catch {
            throw fail("cannot open", error)
        }
        defer { try? fd.close() }
        let info: Stat
        do {
            info = try fd.stat()
        } catch {
            throw fail("cannot stat", error)
        }
        guard info.type == .regular else {
            throw ModelFileError(path: path, kind: .unreadable, reason: "not a regular file")
        }
        let size = Int(info.size)
        guard size <= maxFileBytes else {
            throw ModelFileError(path: path, kind: .unreadable,
                                 reason: "file is \(size) bytes, over the \(maxFileBytes >> 20) MB limit")
        }
        let bytes: [UInt8]
        do {
            bytes = try fd.read(upTo: size, expected: size)
        } catch {
            throw fail("cannot read", error)
        }
        guard bytes.count == size else {
            throw ModelFileError(path: path, kind: .truncated,
                                 reason: "file shrank from \(size) to \(bytes.count) bytes while being read")
        }
        return bytes
    }
}
