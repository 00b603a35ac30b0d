/// Interleaved device frames -> mono by the channel mean -> `outputRate` (the model's) with `Resampler`
/// (soxr_hq), the same mixdown and resampler `AudioFileDecoder` uses, so live and file input give the
/// same samples. When the rates are equal the mono samples pass through unchanged.
///
/// Scratch is made in `init`; `mix*` and `emit` never allocate. Threading: one owner (the capture
/// thread of one source).
final class MonoConverter {
    /// Hz of the frames pushed in.
    let inputRate: Int
    /// Hz of the samples emitted.
    let outputRate: Int
    let channels: Int
    /// Frames one `mix*` call may take.
    let maxFrames: Int
    private let resampler: Resampler?
    private let mono: UnsafeMutablePointer<Float>  // [maxFrames], inputRate
    private var pending = 0  // mono frames mixed and not yet emitted

    /// `inputRate` > 0 Hz, `outputRate` in `AudioFileDecoder.outputSampleRates`, `channels` >= 1,
    /// `maxFrames` >= 1; `source` names errors.
    init(inputRate: Int, outputRate: Int, channels: Int, maxFrames: Int, source: String) throws(AudioSourceError) {
        guard inputRate > 0, channels >= 1, maxFrames >= 1 else {
            throw AudioSourceError(source: source, kind: .failed,
                                   detail: "\(channels) channels at \(inputRate) Hz, \(maxFrames) frames per read")
        }
        guard AudioFileDecoder.outputSampleRates.contains(outputRate) else {
            throw AudioSourceError(source: source, kind: .failed, detail: Self.rateProblem(outputRate))
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
        self.maxFrames = maxFrames
        if inputRate == outputRate {
            resampler = nil
        } else {
            do {
                resampler = try Resampler(inputRate: Double(inputRate), outputRate: Double(outputRate))
            } catch {
                throw AudioSourceError(source: source, kind: .failed, detail: error.description)
            }
        }
        mono = .allocate(capacity: maxFrames)
    }

    deinit { mono.deallocate() }

    /// Frames to read next so that their output fits into `capacity` samples; output beyond it
    /// (resampling path) waits inside libsoxr and comes out through `drain`.
    func framesToRead(forOutputCapacity capacity: Int) -> Int {
        resampler == nil ? max(1, min(maxFrames, capacity)) : maxFrames
    }

    /// Mixes `frames` (<= maxFrames) interleaved s16 frames: x / 32768, mean over channels.
    func mix(_ frames: Int, s16 p: UnsafePointer<Int16>) {
        mixFrames(frames, p) { Float($0[$1]) * (1 / 32768) }
    }

    /// Interleaved s32 frames: x / 2^31.
    func mix(_ frames: Int, s32 p: UnsafePointer<Int32>) {
        mixFrames(frames, p) { Float($0[$1]) * (1 / 2_147_483_648) }
    }

    /// Interleaved float frames, as they are.
    func mix(_ frames: Int, float p: UnsafePointer<Float>) {
        mixFrames(frames, p) { $0[$1] }
    }

    @inline(__always)
    private func mixFrames<T>(_ frames: Int, _ p: UnsafePointer<T>, _ sample: (UnsafePointer<T>, Int) -> Float) {
        precondition(frames <= maxFrames && pending == 0, "mix without emit, or too many frames")
        let c = channels
        if c == 1 {
            for f in 0..<frames { mono[f] = sample(p, f) }
        } else {
            // Summed in channel order and divided, in Float, as numpy's float32 mean (and
            // AudioFileDecoder) does.
            let n = Float(c)
            for f in 0..<frames {
                var sum: Float = 0
                for k in 0..<c { sum += sample(p, f * c + k) }
                mono[f] = sum / n
            }
        }
        pending = frames
    }

    /// Resamples the frames of the last `mix` (or copies them, at equal rates) into `out`; returns the
    /// samples written (may be 0 while the resampler fills its filter).
    func emit(into out: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        defer { pending = 0 }
        guard let resampler else {
            guard let base = out.baseAddress else { return 0 }
            precondition(pending <= out.count, "read more frames than framesToRead allowed")
            base.update(from: mono, count: pending)
            return pending
        }
        return try resampler.process(UnsafeBufferPointer(start: mono, count: pending), into: out)
    }

    /// Output still queued inside libsoxr from earlier input; 0 when none.
    func drain(into out: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let resampler else { return 0 }
        return try resampler.process(UnsafeBufferPointer(start: mono, count: 0), into: out)
    }

    /// The end of the stream: the resampler's tail. Call until it returns 0.
    func finish(into out: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let resampler else { return 0 }
        return try resampler.finish(into: out)
    }

    /// Why `rate` cannot be delivered: one phrase for a source's error.
    static func rateProblem(_ rate: Int) -> String {
        let rates = AudioFileDecoder.outputSampleRates
        return "sample rate \(rate) Hz, not \(rates.lowerBound)...\(rates.upperBound)"
    }

    /// Starts a fresh stream (after a reopen): no history from before the gap leaks into the filter.
    func reset() throws(AudioError) {
        pending = 0
        try resampler?.reset()
    }
}
