import Foundation
import MoodCore

/// Streams rows of float32 into a `.npy` file without holding the matrix in memory, and never leaves
/// a half-written file behind.
///
/// Rows go to a hidden temporary file beside the destination; `commit()` rewrites the header with the
/// final row count, flushes, and renames it into place. If the writer is dropped without `commit()`
/// (an error on the way), the temporary file is removed and the destination is untouched.
final class NPYFileWriter {
    let path: String
    let columns: Int
    private let temporaryPath: String
    private let handle: FileHandle
    private(set) var rows = 0
    private var committed = false
    /// The header is written at a fixed size so the final row count can be patched in place.
    private static let headerBytes = 128

    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    init(path: String, columns: Int) throws {
        self.path = path
        self.columns = columns
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WriteError(path: path, reason: "directory \(directory) does not exist")
        }
        temporaryPath = directory + "/." + url.lastPathComponent + ".\(getpid()).tmp"
        // open(2): one call that creates the file with a known mode, and errno's words when it cannot.
        var fd: Int32
        repeat { fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            throw WriteError(path: path, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        self.handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try write(Self.header(rows: 0, columns: columns))
    }

    deinit {
        if !committed {
            try? handle.close()
            unlink(temporaryPath)
        }
    }

    /// Appends `values.count / columns` rows (row-major).
    func append(_ values: UnsafeBufferPointer<Float>) throws {
        precondition(values.count % columns == 0, "partial row")
        guard !values.isEmpty else { return }
        let data = Data(buffer: values)  // little-endian on every Linux target
        try write(data)
        rows += values.count / columns
    }

    /// Patches the header with the final shape `[rows, columns]`, syncs, and renames into place.
    func commit() throws {
        do {
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Self.header(rows: rows, columns: columns))
            try handle.synchronize()
            try handle.close()
        } catch {
            throw WriteError(path: path, reason: "write failed: \(error.localizedDescription)")
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            committed = true
            throw WriteError(path: path, reason: "cannot rename into place: \(reason)")
        }
        committed = true
    }

    private func write(_ data: Data) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw WriteError(path: path, reason: "write failed: \(error.localizedDescription)")
        }
    }

    /// A version 1.0 header padded to `headerBytes`, so every row count fits in the same space.
    private static func header(rows: Int, columns: Int) -> Data {
        let empty = NPY.encode(float32: [], shape: [0, columns])
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        text += String(repeating: " ", count: headerBytes - 10 - text.utf8.count - 1) + "\n"
        var out = Data(empty.prefix(8))
        out.append(contentsOf: [UInt8(headerBytes - 10), 0])
        out.append(contentsOf: Array(text.utf8))
        return out
    }
}
