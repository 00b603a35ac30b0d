import MoodCore

/// One file as `moodd scan` recorded it: its fingerprint, and either the one-line reason it could not
/// be read (`error`) or what `moodd classify` says of it.
public struct Track: Equatable, Sendable {
    public var path: String
    public var fingerprint: LibraryDatabase.Fingerprint
    public var scannedAt: Timestamp
    public var error: String?
    /// Seconds of audio.
    public var duration: Double?
    public var windows: Int?
    /// A mood label, or `speech`/`noise`/`silence` for a file that is less than half music.
    public var label: String?
    public var confidence: Double?
    public var valence: Double?
    public var arousal: Double?
    /// Fraction of music windows; nil when the model has no content head.
    public var music: Double?
    /// JSON objects as `moodd classify --json` prints them.
    public var probabilities: String?
    public var content: String?

    public init(path: String, fingerprint: LibraryDatabase.Fingerprint, scannedAt: Timestamp) {
        self.path = path
        self.fingerprint = fingerprint
        self.scannedAt = scannedAt
    }
}
