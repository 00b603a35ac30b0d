/// Why audio could not be opened, decoded or resampled.
///
/// `description` is one line naming what failed and why, with the C library's own words in
/// parentheses where there are any, e.g.
/// `song.mp3: not a recognised audio file (libsndfile: Format not recognised.)`.
public struct AudioError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// open(2): ENOENT or ENOTDIR.
        case notFound
        /// open(2): EACCES or EPERM.
        case permissionDenied
        case isDirectory
        /// A FIFO, socket or device: refused rather than risk blocking or reading forever.
        case notRegularFile
        /// Any other open(2)/fstat(2) failure (ELOOP, EIO, ...); `detail` has strerror's words.
        case unreadable
        /// 0 bytes.
        case emptyFile
        /// libsndfile found no format it knows (SF_ERR_UNRECOGNISED_FORMAT, or an MPEG probe that
        /// found no frame).
        case unrecognisedFormat
        /// libsndfile knows the container but not the encoding (SF_ERR_UNSUPPORTED_ENCODING).
        case unsupportedEncoding
        /// libsndfile recognised the format but refused the header (cut short, zero channels, too
        /// many channels, sample rate 0, ...): `detail` says which.
        case malformedFile
        /// The header claims no frames, or decoding ended before a single frame came out.
        case noAudio
        /// The file ends before the length its header claims: a cut download or copy.
        case truncated
        /// The decoder failed part-way (libsndfile's error state set after a short read).
        case decodeFailed
        /// libsoxr refused to create or run the resampler.
        case resamplerFailed
        /// A parameter the caller passed is out of range.
        case invalidParameter
    }

    /// The file path as given, or the name of what failed (`"resampler"`, a device name).
    public var source: String
    public var reason: Reason
    /// The underlying library's words, prefixed with its name (`"libsndfile: ..."`,
    /// `"open: No such file or directory"`); nil when there is nothing to add.
    public var detail: String?

    public init(source: String, reason: Reason, detail: String? = nil) {
        self.source = source
        self.reason = reason
        self.detail = detail
    }

    public var description: String {
        let line = "\(source): \(reason.text)" + (detail.map { " (\($0))" } ?? "")
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension AudioError.Reason {
    /// The human-readable reason, lower case, no trailing punctuation.
    public var text: String {
        switch self {
        case .notFound: "no such file"
        case .permissionDenied: "permission denied"
        case .isDirectory: "is a directory, not an audio file"
        case .notRegularFile: "not a regular file (a FIFO, socket or device)"
        case .unreadable: "cannot be opened"
        case .emptyFile: "empty file (0 bytes)"
        case .unrecognisedFormat: "not a recognised audio file"
        case .unsupportedEncoding: "unsupported audio encoding"
        case .malformedFile: "malformed audio file"
        case .noAudio: "contains no audio frames"
        case .truncated: "truncated"
        case .decodeFailed: "decoding failed"
        case .resamplerFailed: "resampling failed"
        case .invalidParameter: "invalid parameter"
        }
    }
}
