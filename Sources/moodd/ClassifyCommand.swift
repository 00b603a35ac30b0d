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
import MoodModel

/// `moodd classify FILE... [--json] [--timeline]`: the mood of whole files, offline.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Tell the mood of audio files: label, confidence, every label's probability, valence and arousal.",
        discussion: """
            Each file is cut into 3-s windows every 1.5 s, as the daemon sees live audio; the file's \
            probabilities are the mean of its windows'. A directory classifies every audio file in it. \
            A file that cannot be read gets one line on stderr; the others are still classified, and the \
            exit status is 1.
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

    @Option(help: "Which head of the model to use (default: its first).")
    var head: String?

    static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff"]

    func validate() throws {
        guard hopFrames >= 1 else { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
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
                print(json ? result.jsonLine(timeline: timeline) : result.text(timeline: timeline))
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

    /// Files as given; directories replaced by their audio files, sorted (not recursive).
    private func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path -> [String] in
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: path)
            else { return [path] }
            return names.filter { Self.audioExtensions.contains(Self.pathExtension($0).lowercased()) }
                .sorted().map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
        }
    }

    private func classifyFile(_ file: String, _ classifier: MoodClassifier) throws -> FileMood {
        let labels = classifier.labels.names
        var sum = [Double](repeating: 0, count: labels.count)
        var windows: [[Float]] = []
        var probabilities = [Float](repeating: 0, count: labels.count)
        let count = try PatchRunner.forEachPatch(of: file, patchFrames: classifier.patchFrames, hopFrames: hopFrames) { patch in
            probabilities.withUnsafeMutableBufferPointer { classifier.classify(frames: patch, into: $0) }
            for i in sum.indices { sum[i] += Double(probabilities[i]) }
            if timeline { windows.append(probabilities) }
        }
        let mean = sum.map { Float($0 / Double(count)) }
        return FileMood(file: file, labels: classifier.labels, probabilities: mean, windows: count,
                        timeline: windows, windowSeconds: Double(hopFrames * 256) / 16_000)
    }
}

/// One file's result, and its two renderings.
struct FileMood {
    var file: String
    var labels: MoodLabels
    var probabilities: [Float]
    var windows: Int
    var timeline: [[Float]]
    /// Seconds between window starts.
    var windowSeconds: Double

    var best: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] }! }

    func jsonLine(timeline withTimeline: Bool) -> String {
        var members: [JSONValue.Member] = [
            .init("file", .string(file)),
            .init("label", .string(labels.names[best])),
            .init("confidence", .number(Double(probabilities[best]))),
            .init("probabilities", Self.distribution(labels, probabilities)),
        ]
        let plane = labels.plane(probabilities)
        members.append(.init("valence", plane.map { .number(Double($0.valence)) } ?? .null))
        members.append(.init("arousal", plane.map { .number(Double($0.arousal)) } ?? .null))
        members.append(.init("windows", .number(Double(windows))))
        if withTimeline {
            members.append(.init("timeline", .array(timeline.enumerated().map { k, p in
                let top = p.indices.max { p[$0] < p[$1] }!
                return .object([.init("start", .number(Double(k) * windowSeconds)), .init("label", .string(labels.names[top])),
                                .init("probabilities", Self.distribution(labels, p))])
            })))
        }
        return JSONValue.object(members).encoded()
    }

    func text(timeline withTimeline: Bool) -> String {
        var line = "\(file): \(labels.names[best]) \(cFormat("%.2f", probabilities[best]))  ("
        line += zip(labels.names, probabilities).map { "\($0) \(cFormat("%.2f", $1))" }.joined(separator: ", ") + ")"
        if let plane = labels.plane(probabilities) {
            line += cFormat("  valence %+.2f  arousal %+.2f", plane.valence, plane.arousal)
        }
        line += "  \(windows) window" + (windows == 1 ? "" : "s")
        guard withTimeline else { return line }
        for (k, p) in timeline.enumerated() {
            let top = p.indices.max { p[$0] < p[$1] }!
            line += cFormat("\n  %7.1f s  ", Double(k) * windowSeconds) + padded(labels.names[top], 10)
            line += zip(labels.names, p).map { "\($0) \(cFormat("%.2f", $1))" }.joined(separator: "  ")
        }
        return line
    }

    static func distribution(_ labels: MoodLabels, _ p: [Float]) -> JSONValue {
        .object(zip(labels.names, p).map { .init($0, .number(Double($1))) })
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
