/// Streaming sample-rate conversion of mono `Float` audio with libsoxr at librosa's default quality
/// (`soxr_hq`: soxr_quality_spec(SOXR_HQ, 0), linear phase), so that pushing a whole signal and then
/// calling `finish` until it returns 0 gives what `soxr.resample(x, inputRate, outputRate, 'soxr_hq')`
/// gives in python-soxr 1.1 (before librosa's `fix_length`; see `AudioFileDecoder`).
///
/// The output does not depend on how the input is split into calls. All input passed to `process`
/// is taken; output that does not fit into the caller's buffer stays queued in libsoxr and comes
/// out on the next call (pass an empty input to drain it). Give the output buffer at least
/// `outputCapacity(forInputCount:)` samples per call to keep that queue short.
///
/// Threading: one owner. Not `Sendable`; use it from one thread or task at a time (the file decoder,
/// or the capture thread of a live source).
public final class Resampler {
    /// Hz.
    public let inputRate: Double
    /// Hz.
    public let outputRate: Double

    private let soxr: Soxr
    private var finishing = false

    /// Rates in Hz, finite and > 0. (For equal rates, callers that want the samples untouched, as
    /// librosa returns them, skip the resampler; `AudioFileDecoder` does.)
    public init(inputRate: Double, outputRate: Double) throws(AudioError) {
        for (name, rate) in [("input", inputRate), ("output", outputRate)] where !(rate.isFinite && rate > 0) {
            throw AudioError(source: "resampler", reason: .invalidParameter, detail: "\(name) rate \(rate) Hz")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        do {
            soxr = try Soxr(inputRate: inputRate, outputRate: outputRate)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Output samples that `count` input samples can produce, rounded up, plus one.
    public func outputCapacity(forInputCount count: Int) -> Int {
        Int((Double(count) * outputRate / inputRate).rounded(.up)) + 1
    }

    /// Pushes `input` (every sample is taken) and writes up to `output.count` resampled samples to
    /// the start of `output`. Returns how many were written. No allocation on the Swift side.
    /// Throws `.invalidParameter` after `finish` until `reset`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
        throws(AudioError) -> Int
    {
        guard !finishing else {
            throw AudioError(source: "resampler", reason: .invalidParameter, detail: "input after finish; call reset()")
        }
        guard let out = output.baseAddress, !output.isEmpty else { return 0 }
        do {
            return try soxr.process(input.baseAddress, count: input.count, into: out, capacity: output.count)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Ends the stream and writes up to `output.count` samples of the remaining output (the filter's
    /// tail). Call until it returns 0; then `reset` before using the resampler again.
    public func finish(into output: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        finishing = true
        guard let out = output.baseAddress, !output.isEmpty else { return 0 }
        do {
            return try soxr.flush(into: out, capacity: output.count)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Drops all state; the next `process` starts a new stream at the same rates.
    public func reset() throws(AudioError) {
        do {
            try soxr.clear()
        } catch {
            throw Self.failure(error)
        }
        finishing = false
    }

    /// Array conveniences: the same calls over an array's storage (no copies, no allocation).
    public func process(_ input: [Float], into output: inout [Float]) throws(AudioError) -> Int {
        try input.withUnsafeBufferPointer { (i) throws(AudioError) -> Int in
            try output.withUnsafeMutableBufferPointer { (o) throws(AudioError) -> Int in try process(i, into: o) }
        }
    }

    public func finish(into output: inout [Float]) throws(AudioError) -> Int {
        try output.withUnsafeMutableBufferPointer { (o) throws(AudioError) -> Int in try finish(into: o) }
    }

    /// Current delay of the stream, in output samples (soxr_delay).
    public var delay: Double { soxr.delay }

    private static func failure(_ error: SoxrError) -> AudioError {
        AudioError(source: "resampler", reason: .resamplerFailed, detail: "libsoxr: \(error.message) in \(error.operation)")
    }
}

@available(*, unavailable)
extension Resampler: Sendable {}
