#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import MoodCore
import MoodLibrary
import MoodModel
import MoodSystem
import SystemPackage

/// `moodd scan DIR... --db PATH [--jobs N]`: the mood of every audio file of a music library, kept in
/// a SQLite database (docs/library.md), incrementally.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Classify every audio file under the given folders into a library database, incrementally.",
        discussion: """
            Folders are searched recursively for audio files (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF); each \
            file gets what `moodd classify --json` says of it. A file whose path, size and modification time \
            are unchanged since it was recorded, with the same model, is not decoded again. Each file is \
            committed on its own, so a scan stopped at any point (Ctrl-C, a crash) keeps what it finished \
            and the next scan resumes. A file that cannot be read is recorded with its one-line reason \
            (and printed on stderr); the exit status is then 1. On a terminal a progress line shows the \
            files, the hours of audio, the rate and the time left. `--stats` summarises the database.
            """
    )

    @Argument(help: "Folders (or files) to scan.")
    var paths: [String] = []

    @Option(help: "The library database (created if missing).")
    var db: String

    @Option(help: "Files decoded at once (default: one per CPU core).")
    var jobs: Int?

    @Flag(help: "Print a summary of the database and exit.")
    var stats = false

    @Option(help: "Model file with a mood head (default: the shipped 4-quadrant model).")
    var model: String?

    func validate() throws {
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be 1 to 256, got \(jobs)") }
        if !stats, paths.isEmpty { throw ValidationError("give at least one folder to scan (or --stats)") }
    }

    func run() throws {
        let library: LibraryDatabase
        do {
            library = try LibraryDatabase(path: db)
        } catch {
            throw Diagnostics.fail(error, code: 78)
        }
        if stats {
            try printStats(library)
            return
        }
        let modelPath: String
        let identity: String
        let first: MoodClassifier
        do {
            modelPath = try model ?? ModelLocator.path(ModelLocator.mood)
            identity = try ModelIdentity.of(path: modelPath)
            first = try MoodClassifier.forAudio(contentsOfFile: modelPath)  // a bad model is refused before any file is touched
        } catch {
            throw Diagnostics.fail(error)
        }
        let known: [String: LibraryDatabase.Fingerprint]
        do {
            known = try library.fingerprints()
        } catch {
            throw Diagnostics.fail(error)
        }
        var todo: [(path: String, fingerprint: LibraryDatabase.Fingerprint)] = []
        var unchanged = 0
        for path in AudioFileList.expand(paths.map(Self.absolute)) {
            guard let stat = (try? FileSystem.status(FilePath(path))) ?? nil else {
                todo.append((path, .init(size: -1, mtimeNanoseconds: -1, model: identity)))  // recorded with its error
                continue
            }
            let fingerprint = LibraryDatabase.Fingerprint(size: stat.size, mtimeNanoseconds: Int64(stat.st_mtim.tv_sec) * 1_000_000_000 + Int64(stat.st_mtim.tv_nsec),
                                                          model: identity)
            if known[path] == fingerprint {
                unchanged += 1
            } else {
                todo.append((path, fingerprint))
            }
        }
        // One classifier per job (their scratch buffers are per thread), only as many as there are files.
        let workers = min(jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), todo.count)
        let classifiers: [MoodClassifier]
        do {
            classifiers = try (0..<workers).map { $0 == 0 ? first : try MoodClassifier(contentsOfFile: modelPath) }
        } catch {
            throw Diagnostics.fail(error)
        }
        let scan = ParallelScan(paths: todo.map(\.path), classifiers: classifiers)
        let (failed, progress, storeFailure) = try Diagnostics.silencingLibrariesForTheRun { stderr in
            var progress = ScanProgress(total: todo.count, unchanged: unchanged, output: stderr)
            var failed = 0
            var storeFailure: (any Error)?
            scan.run { index, outcome in
                guard storeFailure == nil else { return }
                let (path, fingerprint) = todo[index]
                var track = Track(path: path, fingerprint: fingerprint, scannedAt: Timestamp(millisecondsSinceEpoch: SystemClock().wallMilliseconds))
                switch outcome {
                case .success(let result):
                    track.fill(from: result.mood, seconds: result.seconds)
                    progress.add(seconds: result.seconds)
                case .failure(let error):
                    let line = String(describing: error).replacingNewlines()
                    track.error = line
                    progress.clear()
                    progress.write("moodd: \(line)\n")
                    failed += 1
                    progress.add(seconds: 0)
                }
                do {
                    try library.record(track)
                } catch {
                    storeFailure = error
                }
                progress.show()
            }
            progress.clear()
            return (failed, progress, storeFailure)
        }
        if let storeFailure { throw Diagnostics.fail(storeFailure) }
        writeStandardError("moodd scan: \(todo.count - failed) files classified, \(failed) unreadable, \(unchanged) unchanged; "
                           + "\(progress.hoursText) of audio in \(progress.elapsedText) "
                           + "(\(DecimalFormat.printf(decimals: 2).string(progress.rate / Double(max(1, workers)))) h/min per job)\n")
        if failed > 0 { throw ExitCode(1) }
    }

    /// `path` from the working directory, lexically normalised (no `.`/`..` components, no trailing
    /// slash; symbolic links kept): the database and playlists hold absolute paths whatever the scan
    /// was given.
    static func absolute(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil {
                full = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
            }
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    private func printStats(_ library: LibraryDatabase) throws {
        do {
            let s = try library.stats()
            print("\(db): \(s.tracks) tracks (\(s.failed) unreadable), \(DecimalFormat.printf(decimals: 1).string(s.hours)) h of audio")
            for (label, count) in s.byLabel { print("  " + padded(label, 10) + "\(count)") }
            if !s.models.isEmpty { print("  model: " + s.models.joined(separator: ", ")) }
        } catch {
            throw Diagnostics.fail(error)
        }
    }
}

extension String {
    /// One line: newlines become spaces.
    func replacingNewlines() -> String { String(map { $0 == "\n" ? " " : $0 }) }
}
