/// Decodes an audio file (WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3: whatever the system's libsndfile
/// reads) to mono `Float` samples at `sampleRate` (the model's rate), in blocks, matching
/// `librosa.load(path, sr=sampleRate)`:
///
/// 1. libsndfile's float samples (integer full scale = +-1.0; float files as stored);
/// 2. mono = the mean of the channels, summed in channel order and divided by the channel count,
///    in `Float`, as numpy's `mean` over float32 does;
/// 3. unless the file is at `sampleRate` already (then the samples pass unchanged), libsoxr at
///    `soxr_hq` (see `Resampler`), flushed at the end;
/// 4. the length made exactly `ceil(framesDecoded * (sampleRate / sourceSampleRate))` (librosa's
///    `fix_length`): the resampler's tail is cut, or zeros are appended.
///
/// Memory is bounded by the block size, never by the file: an hour-long file streams through.
///
/// Decisions for broken input (each has a test):
/// - NaN and +-inf samples are replaced by 0 before mixing and counted in `nonFiniteSamples`, so one
///   bad sample cannot turn a whole FFT block of resampler output into NaN. (librosa passes them
///   through the resampler instead.) So are finite samples beyond +-`maxSampleMagnitude`: only a
///   damaged float file has them (a misaligned data chunk reads as floats up to 3.4e38), and two of
///   them overflow the channel sum or the resampler's filter to inf and NaN just the same.
/// - A cut file is refused with `.truncated`, never passed off as a shorter song: a WAV/AIFF whose
///   data chunk claims more bytes than the file holds, at open (libsndfile would silently shorten
///   it; the placeholder sizes streaming writers leave, 0 and >= 0x7FFFF000, are accepted); a
///   stream that ends clearly before the length its header claims, when the input ends (after the
///   samples before the cut were returned). For MPEG the claim is an estimate: LAME's delay and
///   padding put it ~3100 frames over the decoded count on 265 of the 900 MP3s of the 4Q dataset,
///   and CBR files without a Xing header were up to 0.84% over, so MPEG gets 4608 frames or 2%
///   of slack; other formats none. (soundfile, and so librosa, return the shorter audio instead.)
/// - A decoder error part-way (a FLAC stream losing sync) throws `.decodeFailed`, as soundfile
///   does; samples returned before it stay valid. After any throw from `read`, `read` returns 0.
/// - A header claiming 0 frames, or a stream that decodes to 0 frames, throws `.noAudio`.
/// - A sample rate below `minSourceSampleRate` (a damaged rate field) throws `.malformedFile`.
///
/// Threading: one owner. Not `Sendable`; create, read and drop it on one thread or task.
public final class AudioFileDecoder {
    /// Hz: the rates `read` can deliver, so the rates a model's `input` may ask for (moodd refuses
    /// another at load with one line). Audio is recorded and models are trained within it; a rate
    /// outside is a damaged field (an extra zero), and the capture ring (10 s) is sized by it.
    public static let outputSampleRates = 8000...192_000
    /// Hz. A lower rate is refused as malformed: it leaves under 500 Hz of bandwidth, nothing moodd
    /// could analyse, and resampling multiplies the length by sampleRate / rate: a 53 KB WAV whose rate
    /// field was damaged to 2 Hz decoded to 55 minutes at 16 kHz (at 1000 Hz the factor is 16).
    public static let minSourceSampleRate = 1000

    /// Hz, the rate of every sample `read` returns (one of `outputSampleRates`).
    public let sampleRate: Int
    /// The path as given to `init`; errors name it.
    public let path: String
    /// Hz, as stored in the file.
    public let sourceSampleRate: Int
    public let sourceChannels: Int
    public let sourceFormat: AudioFileFormat
    /// Frames per channel the header claims; nil when libsndfile cannot tell without decoding.
    public let sourceFrames: Int?
    /// Frames per channel decoded so far.
    public private(set) var framesDecoded = 0
    /// Mono samples (at `sampleRate`) returned by `read` so far.
    public private(set) var samplesRead = 0
    /// NaN, infinite or beyond-`maxSampleMagnitude` samples (counted per channel sample) replaced by 0 so far.
    public private(set) var nonFiniteSamples = 0
    /// 2^16, 96 dB over full scale (1.0): no real recording comes near it, and 1024 channels of it
    /// through libsoxr's filter stay far from Float's 3.4e38.
    public static let maxSampleMagnitude: Float = 65536

    private let file: Sndfile
    private let resampler: Resampler?
    private let framesPerRead: Int
    private let interleaved: UnsafeMutablePointer<Float>  // [framesPerRead * sourceChannels]
    private let mono: UnsafeMutablePointer<Float>         // [framesPerRead], source rate
    private var phase = Phase.decoding
    private var finalCount = 0  // samples in total, fixed once the input has ended

    private enum Phase { case decoding, flushing, padding, done }

    /// Opens `path` and reads its header. `sampleRate` (Hz, in `outputSampleRates`) is the rate to
    /// deliver: the model's `input.sampleRate`. `blockFrames` (1...65536) is how many source frames one
    /// libsndfile read takes; the output does not depend on it. Fewer are read per call for files
    /// with many channels (at most 2^18 interleaved samples) or a rate far below `sampleRate` (at most
    /// about 16384 output samples per resampler call).
    public init(path: String, sampleRate: Int, blockFrames: Int = 4096) throws(AudioError) {
        guard (1...65536).contains(blockFrames) else {
            throw AudioError(source: path, reason: .invalidParameter, detail: "blockFrames \(blockFrames), not 1...65536")
        }
        guard Self.outputSampleRates.contains(sampleRate) else {
            throw AudioError(source: path, reason: .invalidParameter,
                             detail: "output sample rate \(sampleRate) Hz, not \(Self.outputSampleRates.lowerBound)...\(Self.outputSampleRates.upperBound)")
        }
        self.path = path
        self.sampleRate = sampleRate
        do {
            file = try Sndfile(path: path)
        } catch {
            throw AudioError(error, path: path, operation: .open)
        }
        sourceSampleRate = file.sampleRate
        sourceChannels = file.channels
        sourceFormat = file.format
        sourceFrames = file.frames
        // libsndfile rejects these at open; checked again because everything below depends on them.
        guard sourceSampleRate > 0, (1...1024).contains(sourceChannels) else {
            throw AudioError(source: path, reason: .malformedFile,
                             detail: "\(sourceChannels) channels at \(sourceSampleRate) Hz")
        }
        guard sourceSampleRate >= Self.minSourceSampleRate else {
            throw AudioError(source: path, reason: .malformedFile,
                             detail: "sample rate \(sourceSampleRate) Hz, below \(Self.minSourceSampleRate) Hz")
        }
        guard sourceFrames != 0 else { throw AudioError(source: path, reason: .noAudio, detail: "the header claims 0 frames") }
        if let short = file.shortDataChunk {
            throw AudioError(source: path, reason: .truncated,
                             detail: "the data chunk claims \(short.claimed) bytes, the file holds \(short.present)")
        }

        if sourceSampleRate == sampleRate {
            resampler = nil
        } else {
            do {
                resampler = try Resampler(inputRate: Double(sourceSampleRate), outputRate: Double(sampleRate))
            } catch {
                throw AudioError(source: path, reason: error.reason, detail: error.detail)
            }
        }
        let perOutput = max(1, 16384 * sourceSampleRate / sampleRate)
        framesPerRead = max(1, min(blockFrames, (1 << 18) / sourceChannels, perOutput))
        interleaved = .allocate(capacity: framesPerRead * sourceChannels)
        mono = .allocate(capacity: framesPerRead)
    }

    deinit {
        interleaved.deallocate()
        mono.deallocate()
    }

    /// The number of samples the whole file will give, if the header's frame count is right:
    /// `ceil(sourceFrames * (sampleRate / sourceSampleRate))` computed in `Double` as librosa does.
    public var expectedSampleCount: Int? { sourceFrames.map(outputCount(forFrames:)) }

    /// Writes the next mono samples (at `sampleRate`) to the start of `output`, filling it unless the file
    /// ends first. Returns how many were written; 0 means the end (and stays 0).
    /// No allocation; one libsndfile read and a few libsoxr calls per block.
    public func read(into output: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let base = output.baseAddress else { return 0 }
        var written = 0
        do {
            while written < output.count, phase != .done {
                let n = try step(into: base + written, capacity: output.count - written)
                written += n
                samplesRead += n
            }
        } catch {
            phase = .done
            throw error
        }
        return written
    }

    /// `read(into:)` over an array's storage: fills `output` from index 0, returns the count written.
    public func read(into output: inout [Float]) throws(AudioError) -> Int {
        try output.withUnsafeMutableBufferPointer { (o) throws(AudioError) -> Int in try read(into: o) }
    }

    /// One step of the pipeline: writes at most `capacity` (> 0) samples, returns how many.
    private func step(into out: UnsafeMutablePointer<Float>, capacity: Int) throws(AudioError) -> Int {
        switch phase {
        case .decoding:
            guard let resampler else {
                let frames = try decodeBlock(maxFrames: min(capacity, framesPerRead), into: out)
                if frames == 0 { try endOfInput() }
                return frames
            }
            let queued = try resample(resampler, count: 0, into: out, capacity: capacity)
            if queued > 0 { return queued }
            let frames = try decodeBlock(maxFrames: framesPerRead, into: mono)
            if frames == 0 {
                try endOfInput()
                return 0
            }
            return try resample(resampler, count: frames, into: out, capacity: capacity)
        case .flushing:
            // Capped at librosa's length. libsoxr's tail never went past it on the fixtures (it
            // stops at or below ceil); the cap keeps the contract if a build ever does.
            let room = min(capacity, finalCount - samplesRead)
            guard let resampler, room > 0 else {
                phase = .padding
                return 0
            }
            let n: Int
            do {
                n = try resampler.finish(into: UnsafeMutableBufferPointer(start: out, count: room))
            } catch {
                throw AudioError(source: path, reason: error.reason, detail: error.detail)
            }
            if n == 0 { phase = .padding }
            return n
        case .padding:
            let n = min(capacity, finalCount - samplesRead)
            out.update(repeating: 0, count: max(n, 0))
            if n <= 0 { phase = .done }
            return max(n, 0)
        case .done:
            return 0
        }
    }

    private func resample(_ resampler: Resampler, count: Int, into out: UnsafeMutablePointer<Float>,
                          capacity: Int) throws(AudioError) -> Int {
        do {
            return try resampler.process(UnsafeBufferPointer(start: mono, count: count),
                                         into: UnsafeMutableBufferPointer(start: out, count: capacity))
        } catch {
            throw AudioError(source: path, reason: error.reason, detail: error.detail)
        }
    }

    /// Input exhausted: fixes the total length (librosa's `fix_length`) and moves on to the tail.
    private func endOfInput() throws(AudioError) {
        guard framesDecoded > 0 else {
            throw AudioError(source: path, reason: .noAudio, detail: "no frame could be decoded")
        }
        if let claimed = sourceFrames {
            let slack = sourceFormat.container == .mpeg ? max(4608, claimed / 50) : 0
            if framesDecoded + slack < claimed {
                throw AudioError(source: path, reason: .truncated,
                                 detail: "the header claims \(claimed) frames, the data ends after \(framesDecoded)")
            }
        }
        finalCount = outputCount(forFrames: framesDecoded)
        phase = resampler == nil ? .padding : .flushing
    }

    /// Reads up to `maxFrames` frames and writes their channel mean to `out`, non-finite and
    /// beyond-`maxSampleMagnitude` samples zeroed. Returns the frames read; 0 at the end of the data.
    private func decodeBlock(maxFrames: Int, into out: UnsafeMutablePointer<Float>) throws(AudioError) -> Int {
        let frames: Int
        do {
            frames = try file.readFrames(into: interleaved, frames: maxFrames)
        } catch {
            throw AudioError(error, path: path, operation: .read(afterFrames: framesDecoded))
        }
        let channels = sourceChannels
        let limit = Self.maxSampleMagnitude
        var nonFinite = 0
        for f in 0..<frames {
            let frame = interleaved + f * channels
            var sum: Float = 0
            for c in 0..<channels {
                var v = frame[c]
                if !(v.magnitude <= limit) {  // NaN fails every comparison
                    v = 0
                    nonFinite += 1
                }
                sum += v
            }
            out[f] = channels == 1 ? sum : sum / Float(channels)
        }
        nonFiniteSamples += nonFinite
        framesDecoded += frames
        return frames
    }

    private func outputCount(forFrames frames: Int) -> Int {
        guard sourceSampleRate != sampleRate else { return frames }
        return Int((Double(frames) * (Double(sampleRate) / Double(sourceSampleRate))).rounded(.up))
    }
}

@available(*, unavailable)
extension AudioFileDecoder: Sendable {}
