import Foundation
@testable import MoodAudio
import MoodTestKit
import Testing

/// Seeded, structure-aware mutation fuzzing of `AudioFileDecoder` over the committed fixtures of every
/// format (WAV, FLAC, Ogg Vorbis, Opus, MP3, good and bad), for `MOODD_FUZZ_SECONDS` (15 s by default;
/// `scripts/fuzz` runs it for longer with a random seed). Each mutated file must either decode, with
/// finite samples in the count the decoder's own length rule gives, or be refused with one
/// `AudioError` line that names the file; no case may take more than a few seconds, and resident
/// memory must stay flat over the run.
///
/// What it can't: see inside libsndfile, its codecs and libsoxr. Only damage that crashes, hangs,
/// grows memory or breaks the decoder's contract shows; a silent out-of-bounds read in a codec does
/// not. `scripts/fuzz --libfuzzer` adds AddressSanitizer and LeakSanitizer, which see those libraries'
/// heap misuse and leaks through malloc and free, but still not their reads (they are not rebuilt).
/// FLAC frames keep their CRCs unfixed, so a mutated FLAC frame mostly tests "lost sync".
@Suite(.serialized) struct AudioFileDecoderFuzzTests {
    struct Seed {
        var name: String
        var bytes: [UInt8]
        var fields: [ByteMutator.Field]
    }

    static let corpus: [Seed] = {
        let directory = Fixtures.path("audio")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasSuffix(".npy") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name), !data.isEmpty else { return nil }
            let bytes = [UInt8](data)
            return Seed(name: name, bytes: bytes, fields: AudioHeaderFields.fields(in: bytes))
        }
    }()

    /// Output samples one case may produce before it counts as a failure (reading stops there): 20
    /// minutes at 16 kHz, far beyond any fixture (the longest is 3 s) or anything a mutated one holds
    /// now that rates below 1000 Hz are refused (at most 16 output samples per frame). Before that
    /// rule, a rate field damaged to 2 Hz made 55 minutes of a 53 KB file.
    static let maxSamples = 16000 * 60 * 20

    @Test func mutatedFilesDecodeOrAreRefusedInOneLine() throws {
        let settings = FuzzLoop.Settings.fromEnvironment(defaultSeconds: 15, defaultSeed: 0x6D6F_6F64_6461_7564)
        let directory = try TemporaryDirectory()
        let corpus = Self.corpus
        #expect(corpus.count >= 30, "fixtures missing: \(Fixtures.path("audio"))")
        let donors = corpus.map(\.bytes)
        let report = FuzzLoop.run("decoder", settings: settings) { index, seed in
            var mutator = ByteMutator(seed: seed)
            let base = corpus[Int.random(in: 0..<corpus.count, using: &mutator.rng)]
            var bytes = base.bytes
            mutator.mutate(&bytes, fields: base.fields, donors: donors, maxSteps: 4)
            if bytes.starts(with: Array("OggS".utf8)), Int.random(in: 0..<5, using: &mutator.rng) > 0 {
                AudioHeaderFields.fixOggChecksums(&bytes)
            }
            let ext = base.name.split(separator: ".").last.map(String.init) ?? "bin"
            let path = directory.path + "/case\(index).\(ext)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { unlink(path) }
            let blockFrames = [4096, 4096, 1000, 65536].randomElement(using: &mutator.rng)!
            let chunk = [1000, 4096, 16000, 7].randomElement(using: &mutator.rng)!
            do {
                let outcome = "\(ext): " + (try Self.decodeAndCheck(path, blockFrames: blockFrames, chunk: chunk))
                if settings.onlyCase != nil { print("case \(index): \(base.name) after \(mutator.log): \(outcome)") }
                return outcome
            } catch {
                throw FuzzFailure("\(base.name) after \(mutator.log): \(error)")
            }
        }
        print(report)
        for failure in report.failures { Issue.record(Comment(rawValue: failure)) }
        #expect(report.cases > 0)
        // Resident memory over the run, a coarse guard: a leak of a block per case shows within a few
        // thousand cases. The allowance per case covers malloc's fragmentation over libsoxr's filters
        // of every size (160 bytes a case over 138,000 cases; LeakSanitizer, in `scripts/fuzz
        // --libfuzzer`, finds no leak in it). The 15 s of CI grew 4.4 MB.
        #expect((report.residentGrowth ?? 0) < (32 << 20) + 256 * report.cases, "\(report)")
        #expect((report.largestCasePeak?.bytes ?? 0) < 128 << 20, "\(report)")
    }

    /// Found by the loop above (seed 0x6d6f6f6464617564, cases 1003, 1006, 1130, ...): a float WAV
    /// whose data chunk lost or gained a few bytes reads as floats up to 3.4e38; two of them overflowed
    /// the channel sum or libsoxr's filter, and inf / NaN came out of the decoder. Minimized: a few
    /// huge samples in an otherwise quiet float WAV, resampled (44.1 kHz) and passed through (16 kHz).
    @Test(arguments: [44100, 16000])
    func hugeFloatSamplesAreZeroedLikeNonFiniteOnes(rate: Int) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/huge.wav"
        var samples = (0..<4000).map { Float(sin(Double($0) * 0.05) * 0.1) }
        let huge: [Float] = [3e38, 3e38, -3.4e38, 1e30, 65537, -1e6, .greatestFiniteMagnitude]
        samples.replaceSubrange(1000..<(1000 + huge.count), with: huge)
        samples[2000] = 65536  // the limit itself is kept
        try WAVWriter.write(samples, sampleRate: rate, to: path)
        let decoder = try AudioFileDecoder(path: path, sampleRate: 16000)
        var out = [Float](repeating: .nan, count: 8000)
        let n = try decoder.read(into: &out)
        #expect(n == (rate == 16000 ? 4000 : 1452))
        #expect(out[0..<n].allSatisfy { $0.isFinite })
        #expect(decoder.nonFiniteSamples == huge.count)
        if rate == 16000 { #expect(out[1000..<(1000 + huge.count)].allSatisfy { $0 == 0 } && out[2000] == 65536) }
    }

    /// Found by the loop (case 7554): a WAV whose rate field was damaged to 2 Hz decoded 6616 frames
    /// into 53 million samples, 55 minutes of "audio" from 53 KB. Rates below 1000 Hz are refused.
    @Test(arguments: [1, 2, 999, 1000])
    func absurdlyLowSampleRatesAreRefused(rate: Int) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/slow.wav"
        try WAVWriter.write([Float](repeating: 0.25, count: 100), sampleRate: rate, to: path)
        if rate >= AudioFileDecoder.minSourceSampleRate {
            #expect(try Decode.all(path).count == 1600)
        } else {
            #expect(throws: AudioError(source: path, reason: .malformedFile, detail: "sample rate \(rate) Hz, below 1000 Hz")) {
                try AudioFileDecoder(path: path, sampleRate: 16000)
            }
        }
    }

    /// Opens and reads `path` to the end; returns the outcome's label, or throws `FuzzFailure`.
    static func decodeAndCheck(_ path: String, blockFrames: Int, chunk: Int) throws -> String {
        var decoder: AudioFileDecoder?
        var total = 0
        do {
            let opened = try AudioFileDecoder(path: path, sampleRate: 16000, blockFrames: blockFrames)
            decoder = opened
            var buffer = [Float](repeating: .nan, count: chunk)
            while true {
                let n = try opened.read(into: &buffer)
                if n == 0 { break }
                guard buffer[0..<n].allSatisfy(\.isFinite) else { throw FuzzFailure("a non-finite sample came out") }
                total += n
                guard total <= maxSamples else {
                    throw FuzzFailure("over \(maxSamples) samples from \(opened.sourceFrames.map(String.init) ?? "unknown")"
                                      + " frames at \(opened.sourceSampleRate) Hz claimed (\(opened.sourceFormat))")
                }
            }
        } catch let error as AudioError {
            let line = error.description
            guard !line.contains(where: \.isNewline), line.hasPrefix(path + ": "), line.count > path.count + 4 else {
                throw FuzzFailure("unclear error: \(line.debugDescription)")
            }
            if let decoder {
                var buffer = [Float](repeating: 0, count: 16)
                guard (try? decoder.read(into: &buffer)) == 0 else { throw FuzzFailure("read after \(error.reason) did not return 0") }
            }
            return "\(error.reason)"
        }
        guard let decoder else { throw FuzzFailure("no decoder and no error") }
        let frames = decoder.framesDecoded
        let rate = decoder.sourceSampleRate
        let expected = rate == 16000
            ? frames : Int((Double(frames) * (16000 / Double(rate))).rounded(.up))
        guard total == decoder.samplesRead, total == expected, total > 0 else {
            throw FuzzFailure("\(total) samples read, decoder counted \(decoder.samplesRead), \(frames) frames at \(rate) Hz give \(expected)")
        }
        guard decoder.nonFiniteSamples <= frames * decoder.sourceChannels else {
            throw FuzzFailure("\(decoder.nonFiniteSamples) non-finite samples in \(frames) frames")
        }
        return "decoded"
    }
}
