import CSndfile
import MoodSystem
import Synchronization
import SystemPackage

// The libsndfile seam: the only file that imports CSndfile. It opens the file itself (open(2) and
// fstat(2), so that a missing file, a directory, a FIFO or an empty file get their own error before
// libsndfile guesses), hands the descriptor to sf_open_fd, and turns every failure into a
// `SndfileError` carrying the C code and the call that failed.

/// A failure of open(2)/fstat(2) or of a libsndfile call.
enum SndfileError: Error, Equatable {
    /// open(2) or fstat(2) failed with `errno`; `message` is strerror(errno).
    case system(errno: Int32, operation: String, message: String)
    /// The path names a directory.
    case isDirectory
    /// The path names a FIFO, socket or device; opening those for reading could block or never end.
    case notRegularFile
    /// The file has 0 bytes.
    case emptyFile
    /// A libsndfile call failed. `code` is libsndfile's error number (SF_ERR_* for 1...4, its internal
    /// SFE_* numbers above that); `message` is sf_error_number(code) / sf_strerror.
    case library(code: Int32, operation: String, message: String)
}

/// One libsndfile file open for reading (SFM_READ), float samples, channels interleaved.
///
/// Threading: one owner; libsndfile handles are not safe to share between threads.
final class Sndfile {
    /// Hz, >= 1 (libsndfile rejects 0 at open).
    let sampleRate: Int
    /// 1...1024 (libsndfile's SF_MAX_CHANNELS; it rejects 0 and more at open).
    let channels: Int
    /// Frames the header claims; nil when libsndfile does not know (SF_COUNT_MAX).
    let frames: Int?
    let format: AudioFileFormat
    /// For WAV/AIFF-family files whose data chunk claims more bytes than the file holds: the claimed
    /// and the present byte counts, from libsndfile's header log ("data : 1600 (should be 600)").
    /// libsndfile silently shortens such a chunk; a caller that must not accept a cut file checks
    /// this. Nil when the chunk is whole, and for the sizes streaming writers put in a header they
    /// cannot seek back to (0, and 0x7FFFF000 or more: `arecord` to a pipe writes 0x7FFFFFFF).
    let shortDataChunk: (claimed: Int, present: Int)?

    private let handle: OpaquePointer
    private let fd: FileDescriptor

    /// libsndfile reports a failed open only through one process-wide variable (sf_error(NULL)
    /// reads `sf_errno`), which any other thread's sf_open overwrites. Opening and reading that code
    /// happen under this lock, so the code belongs to this open. Everything else is per handle.
    private static let openLock = Mutex(())

    /// Opens `path` read-only. The descriptor is opened with O_NONBLOCK so that a FIFO cannot block
    /// the open; it is rejected right after by fstat.
    init(path: String) throws(SndfileError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
        } catch {
            throw Self.systemError(error, "open")
        }
        let st: Stat
        do {
            st = try fd.stat()
        } catch {
            try? fd.close()
            throw Self.systemError(error, "fstat")
        }
        switch st.type {
        case .regular: break
        case .directory: try? fd.close(); throw .isDirectory
        default: try? fd.close(); throw .notRegularFile
        }
        guard st.size > 0 else { try? fd.close(); throw .emptyFile }

        var info = SF_INFO()
        // close_desc 0: the descriptor is ours to close, on every path, exactly once.
        let (opened, code) = Self.openLock.withLock { _ in
            let handle = sf_open_fd(fd.rawValue, Int32(SFM_READ), &info, 0)
            return (handle, handle == nil ? sf_error(nil) : 0)
        }
        guard let handle = opened else {
            try? fd.close()
            throw .library(code: code, operation: "sf_open_fd", message: String(cString: sf_error_number(code)))
        }
        self.fd = fd
        self.handle = handle
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        frames = info.frames == Int64.max || info.frames < 0 ? nil : Int(info.frames)  // SF_COUNT_MAX: a macro Swift cannot see
        format = Self.format(info.format)
        shortDataChunk = Self.shortDataChunk(handle)
    }

    deinit {
        sf_close(handle)
        try? fd.close()
    }

    /// Reads up to `frames` frames (`frames * channels` interleaved floats, normalised so that
    /// integer full scale is +-1.0) into `buffer`. Maps to sf_readf_float; libsndfile itself retries
    /// reads interrupted by EINTR. Returns fewer than asked at the end of the data, and 0 after it;
    /// a short read that leaves libsndfile's error state set (a FLAC stream losing sync, ...) throws.
    func readFrames(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(SndfileError) -> Int {
        let n = sf_readf_float(handle, buffer, sf_count_t(frames))
        if n < frames {
            let code = sf_error(handle)
            if code != 0 {
                throw .library(code: code, operation: "sf_readf_float", message: String(cString: sf_strerror(handle)))
            }
        }
        return Int(max(n, 0))
    }

    /// Finds "data : CLAIMED (should be PRESENT)" in the header log (SFC_GET_LOG_INFO).
    private static func shortDataChunk(_ handle: OpaquePointer) -> (claimed: Int, present: Int)? {
        var log = [CChar](repeating: 0, count: 16_384)
        let length = Int(sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count - 1)))
        guard length > 0 else { return nil }
        let text = String(decoding: log.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("data : ") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard line.contains("(should be"), numbers.count == 2 else { continue }
            let (claimed, present) = (numbers[0], numbers[1])
            if claimed > present, claimed != 0, claimed < 0x7FFF_F000 { return (claimed, present) }
        }
        return nil
    }

    private static func systemError(_ error: any Error, _ operation: String) -> SndfileError {
        let code = error as? Errno ?? .ioError
        return .system(errno: code.rawValue, operation: operation, message: code.description)
    }

    private static func format(_ format: Int32) -> AudioFileFormat {
        let major = Int(format) & SF_FORMAT_TYPEMASK
        let minor = Int(format) & SF_FORMAT_SUBMASK
        let container: AudioFileFormat.Container
        switch major {
        case SF_FORMAT_WAV, SF_FORMAT_WAVEX: container = .wav
        case SF_FORMAT_AIFF: container = .aiff
        case SF_FORMAT_FLAC: container = .flac
        case SF_FORMAT_OGG: container = .ogg
        case SF_FORMAT_MPEG: container = .mpeg
        default: container = .other(formatName(major, command: SFC_GET_FORMAT_MAJOR_COUNT, SFC_GET_FORMAT_MAJOR))
        }
        let encoding: AudioFileFormat.Encoding
        switch minor {
        case SF_FORMAT_PCM_S8: encoding = .pcmS8
        case SF_FORMAT_PCM_U8: encoding = .pcmU8
        case SF_FORMAT_PCM_16: encoding = .pcm16
        case SF_FORMAT_PCM_24: encoding = .pcm24
        case SF_FORMAT_PCM_32: encoding = .pcm32
        case SF_FORMAT_FLOAT: encoding = .float32
        case SF_FORMAT_DOUBLE: encoding = .float64
        case SF_FORMAT_VORBIS: encoding = .vorbis
        case SF_FORMAT_OPUS: encoding = .opus
        case SF_FORMAT_MPEG_LAYER_I: encoding = .mpegLayer1
        case SF_FORMAT_MPEG_LAYER_II: encoding = .mpegLayer2
        case SF_FORMAT_MPEG_LAYER_III: encoding = .mpegLayer3
        default: encoding = .other(formatName(minor, command: SFC_GET_FORMAT_SUBTYPE_COUNT, SFC_GET_FORMAT_SUBTYPE))
        }
        return AudioFileFormat(container: container, encoding: encoding)
    }

    /// libsndfile's name for a major or subtype format code (e.g. "RF64 (RIFF 64)", "A-Law"), found by
    /// walking its format table (SFC_GET_FORMAT_MAJOR / _SUBTYPE); "format 0x..." if it has none.
    private static func formatName(_ code: Int, command countCommand: Int, _ entryCommand: Int) -> String {
        var count: Int32 = 0
        sf_command(nil, Int32(countCommand), &count, Int32(MemoryLayout<Int32>.size))
        for index in 0..<max(count, 0) {
            var entry = SF_FORMAT_INFO()
            entry.format = index
            sf_command(nil, Int32(entryCommand), &entry, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
            if Int(entry.format) == code, let name = entry.name { return String(cString: name) }
        }
        return "format 0x" + String(code, radix: 16)
    }
}
