#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ArgumentParser
import MoodCore
import MoodDSP
import MoodModel
import MoodSystem
import SystemPackage

/// `moodd classify FILE... [--json] [--timeline]`: the mood of whole files, offline.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Tell the mood of audio files: label, confidence, every label's probability, valence and arousal.",
        discussion: """
            Each file is cut into 3-s windows every 1.5 s, as the daemon sees live audio. With a model \
            that has a content head, each window is silence (quieter than --silence-threshold-db, as the \
            daemon gates), music, speech or noise; "content" gives the fraction of each, the mood is the \
            mean of the music windows only, and a file that is less than half music is labelled speech, \
            noise or silence, whichever is most frequent (its confidence is that fraction). Without a \
            content head the file's probabilities are the mean of all its windows'. A directory \
            classifies every audio file in it and in its subdirectories, recursively, sorted by path. \
            A file that cannot be read gets one line on stderr; the others are still classified, and \
            the exit status is 1.
            """
    )

    @Argument(help: "Audio files (WAV, FLAC, OGG/Vorbis, Opus, MP3) or directories of them.")
    var files: [String]

    @Flag(help: "One JSON object per line per file.")
    var json = false

    @Flag(help: "Add every window, with its start time.")
    var timeline = false

    @Option(help: "Frames between window starts (93 = 1.5 s).")
    var hopFrames: Int = 93

    @Option(help: "Model file with a mood head (default: the shipped 4-quadrant model).")
    var model: String?

    @Option(help: "Which head of the model gives the mood (default: its first not called 'content').")
    var head: String?

    @Option(help: ArgumentHelp("Windows quieter than this RMS level are silence (with a content head).", valueName: "dBFS"))
    var silenceThresholdDb: Double = Config().silenceThresholdDB

    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff"]

    func validate() throws {
        guard hopFrames >= 1 else { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
        guard silenceThresholdDb.isFinite, silenceThresholdDb <= 0 else {
            throw ValidationError("--silence-threshold-db must be at most 0 dBFS, got \(silenceThresholdDb)")
        }
    }

    func run() throws {
        let classifier: MoodClassifier
        do {
            classifier = try MoodClassifier(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.mood), headName: head)
        } catch {
            throw Diagnostics.fail(error)
        }
        let inputs = expand(files)
        let progress = Progress(total: inputs.count)
        var failed = false
        for (i, file) in inputs.enumerated() {
            progress.show(i, file)
            do {
                let result = try Diagnostics.silencingLibraries { try classifyFile(file, classifier) }
                progress.clear()
                print(json ? result.jsonLine() : result.text())
            } catch {
                progress.clear()
                Diagnostics.error(String(describing: error))
                failed = true
            }
        }
        progress.clear()
        if failed { throw ExitCode(1) }
    }

    /// `song.MP3` -> `MP3`; `README` and `.hidden` -> "".
    static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// Files as given; directories replaced by the audio files in them and below, sorted by path.
    private func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            guard Self.isDirectory(path), let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [path] }
            let base = path.hasSuffix("/") ? path : path + "/"
            return names.sorted().flatMap { name -> [String] in
                let child = base + name
                if Self.isDirectory(child) { return expand([child]) }
                return Self.audioExtensions.contains(Self.pathExtension(name).lowercased()) ? [child] : []
            }
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        (try? FileSystem.status(FilePath(path)))??.type == .directory
    }

    private func classifyFile(_ file: String, _ classifier: MoodClassifier) throws -> FileMood {
        var result = FileMood(file: file, labels: classifier.labels, hasContentHead: classifier.hasContentHead, timeline: timeline)
        var levels = WindowLevels(hop: ModelInput.musicnn().logMelSpec.hop)
        var mood = [Float](repeating: 0, count: classifier.labels.count)
        var content = [Float](repeating: 0, count: classifier.hasContentHead ? ContentKind.allCases.count : 0)
        let threshold = Float(silenceThresholdDb)
        let patchFrames = classifier.patchFrames
        var k = 0
        try PatchRunner.forEachPatch(of: file, patchFrames: patchFrames, hopFrames: hopFrames, samples: { levels.push($0) }) { patch in
            var window = FileMood.Window(start: Double(k * hopFrames * ModelInput.musicnn().logMelSpec.hop) / Double(ModelInput.musicnn().logMelSpec.sampleRate))
            let silent = classifier.hasContentHead && !(levels.levelDB(frames: k * hopFrames..<k * hopFrames + patchFrames) >= threshold)
            if silent {
                window.kind = FileMood.silence
            } else {
                mood.withUnsafeMutableBufferPointer { m in
                    content.withUnsafeMutableBufferPointer { c in classifier.classify(frames: patch, into: m, content: c) }
                }
                window.mood = mood
                if classifier.hasContentHead {
                    window.content = content
                    window.kind = ContentKind.argmax(content).rawValue
                }
            }
            result.add(window)
            k += 1
        }
        return result
    }
}

/// "[3/40] song.mp3" on stderr, rewritten in place, only when stderr is a terminal.
struct Progress {
    let total: Int
    let enabled = isatty(2) != 0

    func show(_ index: Int, _ file: String) {
        guard enabled, total > 1 else { return }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        writeStandardError("\r\u{1B}[K[\(index + 1)/\(total)] \(name)")
    }

    func clear() {
        guard enabled, total > 1 else { return }
        writeStandardError("\r\u{1B}[K")
    }
}
