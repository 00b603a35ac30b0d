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
            Each file is cut into the model's patches (3-s windows for musicnn), one every half patch (1.5 s), as the daemon sees live audio. With a model \
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

    @Option(help: "Frames between window starts (default: half the model's patch; 93 = 1.5 s for musicnn).")
    var hopFrames: Int?

    @Option(help: "Model file with a mood head (default: the shipped 4-quadrant model).")
    var model: String?

    @Option(help: "Which head of the model gives the mood (default: its first not called 'content').")
    var head: String?

    @Option(help: ArgumentHelp("Windows quieter than this RMS level are silence (with a content head).", valueName: "dBFS"))
    var silenceThresholdDb: Double = Config().silenceThresholdDB

    func validate() throws {
        if let hopFrames, hopFrames < 1 { throw ValidationError("--hop-frames must be at least 1, got \(hopFrames)") }
        guard silenceThresholdDb.isFinite, silenceThresholdDb <= 0 else {
            throw ValidationError("--silence-threshold-db must be at most 0 dBFS, got \(silenceThresholdDb)")
        }
    }

    func run() throws {
        let classifier: MoodClassifier
        do {
            classifier = try MoodClassifier.forAudio(contentsOfFile: try model ?? ModelLocator.path(ModelLocator.mood), headName: head)
        } catch {
            throw Diagnostics.fail(error)
        }
        let fileClassifier = FileClassifier(classifier: classifier, hopFrames: hopFrames ?? PatchRunner.defaultHopFrames(classifier.patchFrames),
                                            silenceThresholdDB: silenceThresholdDb, timeline: timeline)
        try AudioFileList.report(files) { file in
            let result = try fileClassifier.classify(file)
            return json ? result.jsonLine() : result.text()
        }
    }
}
