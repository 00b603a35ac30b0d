import Glibc

extension AudioError {
    /// Which call of `AudioFileDecoder` met a libsndfile failure.
    enum SndfileOperation: Equatable {
        case open
        case read(afterFrames: Int)
    }

    /// Maps a failure at the libsndfile seam to the public error for `path`. Library messages
    /// lose their trailing full stop, so that the one-line description reads as one sentence.
    init(_ error: SndfileError, path: String, operation: SndfileOperation) {
        switch error {
        case .system(let code, let call, let message):
            let reason: Reason
            switch code {
            case ENOENT, ENOTDIR: reason = .notFound
            case EACCES, EPERM: reason = .permissionDenied
            default: reason = .unreadable
            }
            self.init(source: path, reason: reason, detail: "\(call): \(message)")
        case .isDirectory:
            self.init(source: path, reason: .isDirectory)
        case .notRegularFile:
            self.init(source: path, reason: .notRegularFile)
        case .emptyFile:
            self.init(source: path, reason: .emptyFile)
        case .library(let code, _, let message):
            let words = message.hasSuffix(".") ? String(message.dropLast()) : message
            switch operation {
            case .read(let frames):
                self.init(source: path, reason: .decodeFailed, detail: "libsndfile: \(words), after \(frames) frames")
            case .open:
                switch code {
                case 1:  // SF_ERR_UNRECOGNISED_FORMAT
                    self.init(source: path, reason: .unrecognisedFormat, detail: "libsndfile: \(words)")
                case 4:  // SF_ERR_UNSUPPORTED_ENCODING
                    self.init(source: path, reason: .unsupportedEncoding, detail: "libsndfile: \(words)")
                case 7:
                    // SFE_BAD_FILE, "File does not exist or is not a regular file": the file was
                    // checked to be a regular one, so this is the MPEG probe finding no stream
                    // (libsndfile 1.2.0 on random bytes or a cut MP3 header). Its words would mislead.
                    self.init(source: path, reason: .unrecognisedFormat, detail: "libsndfile error 7: no decodable stream")
                default:
                    self.init(source: path, reason: .malformedFile, detail: "libsndfile: \(words)")
                }
            }
        }
    }
}
