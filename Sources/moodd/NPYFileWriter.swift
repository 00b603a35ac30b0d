import MoodCore
import MoodSystem
import SystemPackage

/// Streams rows of float32 into a `.npy` file without holding the matrix in memory, and never leaves
/// a half-written file behind.
///
/// Rows go to a hidden temporary file beside the destination; `commit()` rewrites the header with the
/// final row count, syncs, and renames it into place. If the writer is dropped without `commit()`
/// (an error on the way), the temporary file is removed and the destination is untouched.
final class NPYFileWriter {
    let path: String
    let columns: Int
    private let temporaryPath: String
    private var fd: FileDescriptor?
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
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard (try? FileSystem.status(FilePath(directory)))??.type == .directory else {
            throw WriteError(path: path, reason: "directory \(directory) does not exist")
        }
        temporaryPath = (directory == "/" ? "" : directory) + "/." + name + ".\(FileSystem.processID).tmp"
        // open(2): one call that creates the file with a known mode, and errno's words when it cannot.
        do {
            fd = try FileDescriptor.open(
                FilePath(temporaryPath), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw WriteError(path: path, reason: "cannot create a file in \(directory): \(Self.words(error))")
        }
        try write(Self.header(rows: 0, columns: columns))
    }

    deinit {
        try? fd?.close()
        if !committed { try? FileSystem.unlink(FilePath(temporaryPath)) }
    }

    /// Appends `values.count / columns` rows (row-major).
    func append(_ values: UnsafeBufferPointer<Float>) throws {
        precondition(values.count % columns == 0, "partial row")
        guard !values.isEmpty else { return }
        try write(UnsafeRawBufferPointer(values))  // little-endian on every Linux target
        rows += values.count / columns
    }

    /// Patches the header with the final shape `[rows, columns]`, syncs, and renames into place.
    func commit() throws {
        guard let fd else { return }
        do {
            _ = try fd.seek(offset: 0, from: .start)
        } catch {
            throw failure("seek", error)
        }
        try write(Self.header(rows: rows, columns: columns))
        do {
            try fd.synchronizeData()
        } catch {
            throw failure("sync", error)
        }
        self.fd = nil
        do {
            try fd.close()
        } catch {
            throw failure("close", error)
        }
        do {
            try FileSystem.rename(FilePath(temporaryPath), to: FilePath(path))
        } catch {
            try? FileSystem.unlink(FilePath(temporaryPath))
            committed = true
            throw WriteError(path: path, reason: "cannot rename into place: \(Self.words(error))")
        }
        committed = true
    }

    private func failure(_ operation: String, _ error: any Error) -> WriteError {
        WriteError(path: path, reason: "\(operation) failed: \(Self.words(error))")
    }

    /// strerror's words for a failed call.
    private static func words(_ error: any Error) -> String {
        (error as? Errno ?? .ioError).description
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let fd else { throw WriteError(path: path, reason: "write failed: already committed") }
        if let code = fd.write(fully: bytes).error {
            throw WriteError(path: path, reason: "write failed: \(code.description)")
        }
    }

    /// A version 1.0 header padded to `headerBytes`, so every row count fits in the same space:
    /// `\x93NUMPY`, version 1 0, the little-endian length of the text, the text (a Python dict literal
    /// ending in a newline). https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
    private static func header(rows: Int, columns: Int) -> [UInt8] {
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        text += String(repeating: " ", count: headerBytes - 10 - text.utf8.count - 1) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out.append(contentsOf: [UInt8(headerBytes - 10), 0])
        out.append(contentsOf: Array(text.utf8))
        return out
    }
}
