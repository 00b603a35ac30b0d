import MoodCore

/// The music library's database: one row per audio file `moodd scan` has seen (docs/library.md has
/// the schema). Each row is written in its own transaction (WAL journal), so a scan stopped at any
/// point (Ctrl-C, a crash, a power cut) leaves every finished file recorded and nothing half-written.
public final class LibraryDatabase {
    /// The schema this version writes; an older or newer file is refused with its version.
    public static let schemaVersion = 1

    public let path: String
    private let db: SQLite

    public init(path: String) throws(SQLite.Failure) {
        self.path = path
        db = try SQLite(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tracks (
                path TEXT PRIMARY KEY,
                size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                model TEXT NOT NULL,
                scanned_at TEXT NOT NULL,
                error TEXT,
                duration REAL,
                windows INTEGER,
                label TEXT,
                confidence REAL,
                valence REAL,
                arousal REAL,
                music REAL,
                probabilities TEXT,
                content TEXT
            );
            CREATE INDEX IF NOT EXISTS tracks_label ON tracks(label);
            INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '\(Self.schemaVersion)');
            """)
        let version = try db.query("SELECT value FROM meta WHERE key = 'schema_version'").first?.first?.string
        guard version == String(Self.schemaVersion) else {
            throw SQLite.Failure(path: path, reason: "library schema version \(version ?? "none"); this moodd reads version \(Self.schemaVersion)")
        }
    }

    /// What a scan compares to decide whether a file must be decoded again.
    public struct Fingerprint: Equatable, Sendable {
        public var size: Int64
        public var mtimeNanoseconds: Int64
        public var model: String

        public init(size: Int64, mtimeNanoseconds: Int64, model: String) {
            self.size = size
            self.mtimeNanoseconds = mtimeNanoseconds
            self.model = model
        }
    }

    /// Every file's fingerprint, by path.
    public func fingerprints() throws(SQLite.Failure) -> [String: Fingerprint] {
        var out: [String: Fingerprint] = [:]
        for row in try db.query("SELECT path, size, mtime_ns, model FROM tracks") {
            guard let path = row[0].string, let size = row[1].int, let mtime = row[2].int, let model = row[3].string else { continue }
            out[path] = Fingerprint(size: size, mtimeNanoseconds: mtime, model: model)
        }
        return out
    }

    /// Records `track` (replacing what the file had), in a transaction of its own.
    public func record(_ track: Track) throws(SQLite.Failure) {
        try db.query("""
            INSERT OR REPLACE INTO tracks (path, size, mtime_ns, model, scanned_at, error, duration, windows, label,
                confidence, valence, arousal, music, probabilities, content)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .text(track.path), .integer(track.fingerprint.size), .integer(track.fingerprint.mtimeNanoseconds),
                .text(track.fingerprint.model), .text(track.scannedAt.rfc3339), Self.value(track.error),
                Self.value(track.duration), track.windows.map { .integer(Int64($0)) } ?? .null, Self.value(track.label),
                Self.value(track.confidence), Self.value(track.valence), Self.value(track.arousal), Self.value(track.music),
                Self.value(track.probabilities), Self.value(track.content),
            ])
    }

    /// The tracks closest to (`valence`, `arousal`) in the plane, nearest first; only tracks with a mood
    /// (at least half music when the model told music from the rest), and with `label` if given.
    public func nearest(valence: Double, arousal: Double, label: String? = nil, limit: Int) throws(SQLite.Failure) -> [(path: String, distance: Double)] {
        var sql = """
            SELECT path, (valence - ?) * (valence - ?) + (arousal - ?) * (arousal - ?) AS d2 FROM tracks
            WHERE error IS NULL AND valence IS NOT NULL AND (music IS NULL OR music >= 0.5)
            """
        var values: [SQLite.Value] = [.real(valence), .real(valence), .real(arousal), .real(arousal)]
        if let label {
            sql += " AND label = ?"
            values.append(.text(label))
        }
        sql += " ORDER BY d2, path LIMIT ?"
        values.append(.integer(Int64(limit)))
        return try db.query(sql, values).compactMap { row in
            guard let path = row[0].string, let d2 = row[1].double else { return nil }
            return (path, d2.squareRoot())
        }
    }

    /// The tracks labelled `label`, most confident first.
    public func withLabel(_ label: String, limit: Int) throws(SQLite.Failure) -> [String] {
        try db.query("""
            SELECT path FROM tracks WHERE error IS NULL AND label = ? AND (music IS NULL OR music >= 0.5)
            ORDER BY confidence DESC, path LIMIT ?
            """, [.text(label), .integer(Int64(limit))]).compactMap { $0[0].string }
    }

    /// What `moodd scan --stats` prints.
    public struct Stats: Equatable, Sendable {
        public var tracks = 0
        public var failed = 0
        public var hours = 0.0
        public var byLabel: [(label: String, count: Int)] = []
        public var models: [String] = []

        public static func == (a: Stats, b: Stats) -> Bool {
            a.tracks == b.tracks && a.failed == b.failed && a.hours == b.hours && a.models == b.models
                && a.byLabel.map(\.label) == b.byLabel.map(\.label) && a.byLabel.map(\.count) == b.byLabel.map(\.count)
        }
    }

    public func stats() throws(SQLite.Failure) -> Stats {
        var stats = Stats()
        let totals = try db.query("SELECT COUNT(*), COUNT(error), COALESCE(SUM(duration), 0) FROM tracks")[0]
        stats.tracks = Int(totals[0].int ?? 0)
        stats.failed = Int(totals[1].int ?? 0)
        stats.hours = (totals[2].double ?? 0) / 3600
        stats.byLabel = try db.query("""
            SELECT label, COUNT(*) FROM tracks WHERE error IS NULL GROUP BY label ORDER BY COUNT(*) DESC, label
            """).compactMap { row in row[0].string.map { ($0, Int(row[1].int ?? 0)) } }
        stats.models = try db.query("SELECT DISTINCT model FROM tracks ORDER BY model").compactMap { $0[0].string }
        return stats
    }

    private static func value(_ v: String?) -> SQLite.Value { v.map { .text($0) } ?? .null }
    private static func value(_ v: Double?) -> SQLite.Value { v.map { .real($0) } ?? .null }
}
