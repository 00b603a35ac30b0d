import ArgumentParser
import MoodAudio
import MoodCore
import MoodDSP

/// `moodd features FILE --npy OUT.npy`: the log-mel frames the CNN sees, as float32 `[frames, 96]`.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write an audio file's log-mel frames (the CNN's input) as a float32 .npy [frames, 96].",
        discussion: """
            The file is decoded, mixed to mono, resampled to 16 kHz and cut into frames of 512 samples \
            every 256 (centred like librosa's center=True). See docs/frontend.md.
            """
    )

    @Argument(help: "An audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3).")
    var file: String

    @Option(name: .customLong("npy"), help: "Where to write the frames.")
    var output: String

    func run() throws {
        do {
            _ = try Diagnostics.silencingLibraries { try Self.extract(file: file, to: output) }
        } catch {
            throw Diagnostics.fail(error)
        }
    }

    /// Streams `file` through the decoder and the front end into `output`; returns the frame count.
    static func extract(file: String, to output: String) throws -> Int {
        let decoder = try AudioFileDecoder(path: file)
        let frontEnd = try LogMelFrontEnd(spec: .musicnn)
        let writer = try NPYFileWriter(path: output, columns: frontEnd.spec.nMels)
        var block = [Float](repeating: 0, count: 16_384)  // mono, 16 kHz
        var frames: [Float] = []                           // [n x nMels], one block's worth
        frames.reserveCapacity((block.count / 256 + 2) * frontEnd.spec.nMels)
        while true {
            let n = try block.withUnsafeMutableBufferPointer { try decoder.read(into: $0) }
            if n == 0 { break }
            frames.removeAll(keepingCapacity: true)
            block.withUnsafeBufferPointer { all in
                frontEnd.push(UnsafeBufferPointer(rebasing: all[0..<n])) { frames.append(contentsOf: $0) }
            }
            try writer.append(frames[...])
        }
        frames.removeAll(keepingCapacity: true)
        frontEnd.finish { frames.append(contentsOf: $0) }
        try writer.append(frames[...])
        try writer.commit()
        return writer.rows
    }
}
