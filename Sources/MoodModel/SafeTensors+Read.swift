#if canImport(Glibc)
import Glibc
#endif

extension SafeTensors {
    /// The whole file in one buffer: `open`, `fstat`, then `read` until done (retrying EINTR).
    static func readFile(_ path: String) throws(ModelFileError) -> [UInt8] {
        func fail(_ what: String) -> ModelFileError {
            ModelFileError(path: path, kind: .unreadable, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // NONBLOCK: a FIFO must not hang the open
        guard fd >= 0 else { throw fail("cannot open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail("cannot stat") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ModelFileError(path: path, kind: .unreadable, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= maxFileBytes else {
            throw ModelFileError(path: path, kind: .unreadable,
                                 reason: "file is \(size) bytes, over the \(maxFileBytes >> 20) MB limit")
        }
        var done = 0
        var readError: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n > 0 {
                    done += n
                } else if n == 0 {
                    break  // the file shrank since fstat
                } else if errno != EINTR {
                    readError = errno
                    break
                }
            }
            initialized = done
        }
        guard readError == 0 else {
            errno = readError
            throw fail("cannot read")
        }
        guard done == size else {
            throw ModelFileError(path: path, kind: .truncated,
                                 reason: "file shrank from \(size) to \(done) bytes while being read")
        }
        return bytes
    }
}
