#if canImport(Glibc)
import Glibc
#endif

/// Incremental log-mel spectrogram of one mono stream: push samples as they arrive, get each frame
/// as soon as its last sample is in.
///
/// Per frame: the last `nFFT` samples times a periodic Hann window, a real FFT (FFTW, Float), the
/// power spectrum `re^2 + im^2`, the sparse Slaney mel projection (Float), then `log10(1 + 10000 *
/// mel)` (Float). Each new `hop` samples cost exactly one FFT and one projection; nothing is
/// recomputed. All buffers are made in `init`; `push` and `finish` never allocate.
///
/// **Alignment.** With `centered: true` the window starts out holding `nFFT / 2` zeros, which is
/// librosa's `center=True` left padding (`pad_mode="constant"`, the default since librosa 0.10), so
/// frame `k` covers input samples `k * hop - nFFT/2 ..< k * hop + nFFT/2` and equals librosa's frame
/// `k`. ``finish(frame:)`` appends the matching `nFFT / 2` zeros of right padding, so a whole stream of
/// `n` samples yields librosa's `1 + n / hop` frames, edges included. With `centered: false` frame `k`
/// covers `k * hop ..< k * hop + nFFT` (librosa `center=False`) and `finish` emits nothing more.
/// In a live stream (centered, musicnn spec) frame `k` is emitted when sample `k * 256 + 255` arrives:
/// 16 ms of look-ahead past the frame centre, 32 ms of window.
///
/// **Non-finite input.** NaN and ±infinity samples are replaced by 0 and counted in
/// ``nonFiniteSamples``; they never reach the FFT. Finite samples are used as they are (no clipping).
///
/// Not thread-safe: one owner at a time (e.g. the analysis task of one stream).
public final class LogMelFrontEnd {
    public let spec: LogMelSpec
    /// Whether frames are centred on `k * hop` (librosa `center=True`) or start there.
    public let centered: Bool
    public let filterbank: MelFilterbank
    /// Frames emitted since `init` or the last ``reset()``; `finish` does not reset it.
    public private(set) var framesEmitted = 0
    /// NaN or infinite input samples replaced by 0 since `init` or the last ``reset()``.
    public private(set) var nonFiniteSamples = 0

    private let fft: FFTW.RealForwardPlan
    private let window: UnsafeMutableBufferPointer<Float>   // [nFFT] periodic Hann, unitless
    private let samples: UnsafeMutableBufferPointer<Float>  // [nFFT] the current frame's input; first `filled` valid
    private let power: UnsafeMutableBufferPointer<Float>    // [nFFT/2 + 1] |X[k]|^2
    private let mel: UnsafeMutableBufferPointer<Float>      // [nMels] mel energies, then their log compression
    private var filled: Int

    /// Builds the plan, window, filterbank and buffers.
    /// - Throws: ``DSPParameterError`` if `spec` is not usable (see ``LogMelSpec/validate()``).
    public init(spec: LogMelSpec, centered: Bool = true) throws(DSPParameterError) {
        try spec.validate()
        self.spec = spec
        self.centered = centered
        filterbank = try MelFilterbank(
            sampleRate: spec.sampleRate, nFFT: spec.nFFT, nMels: spec.nMels, fMin: spec.fMin, fMax: spec.fMax)
        fft = FFTW.RealForwardPlan(count: spec.nFFT)
        window = .allocate(capacity: spec.nFFT)
        _ = window.initialize(from: HannWindow.periodic(count: spec.nFFT))
        samples = .allocate(capacity: spec.nFFT)
        samples.initialize(repeating: 0)
        power = .allocate(capacity: spec.binCount)
        power.initialize(repeating: 0)
        mel = .allocate(capacity: spec.nMels)
        mel.initialize(repeating: 0)
        filled = centered ? spec.nFFT / 2 : 0
    }

    deinit {
        window.deallocate()
        samples.deallocate()
        power.deallocate()
        mel.deallocate()
    }

    /// Pushes mono samples at `spec.sampleRate` (full scale ±1) and calls `frame` once per completed
    /// frame, in order, with `nMels` values (`log10(1 + 10000 * mel)`, unitless). The buffer is valid
    /// only during the call. Any block size gives bit-identical frames. No allocation.
    public func push(_ input: UnsafeBufferPointer<Float>, frame: (UnsafeBufferPointer<Float>) -> Void) {
        let n = spec.nFFT
        var read = 0
        while read < input.count {
            let take = min(n - filled, input.count - read)
            var bad = 0
            for j in 0..<take {
                let x = input[read + j]
                if x.isFinite {
                    samples[filled + j] = x
                } else {
                    samples[filled + j] = 0
                    bad += 1
                }
            }
            nonFiniteSamples += bad
            filled += take
            read += take
            if filled == n { emit(frame) }
        }
    }

    /// Convenience for offline use: pushes `input` and appends the completed frames to `frames`,
    /// row-major `[count x nMels]`. Returns the number of frames appended. Allocates (in `frames`).
    @discardableResult
    public func push(_ input: [Float], into frames: inout [Float]) -> Int {
        let before = framesEmitted
        input.withUnsafeBufferPointer { push($0) { frames.append(contentsOf: $0) } }
        return framesEmitted - before
    }

    /// Ends the stream. With `centered`, feeds the `nFFT / 2` zeros of librosa's right padding and
    /// emits the frames they complete (so the stream totals `1 + n / hop` frames); without, drops the
    /// incomplete tail as librosa `center=False` does. Then the window is back at its start-of-stream
    /// state, ready for a new stream; the counters keep counting. No allocation.
    public func finish(frame: (UnsafeBufferPointer<Float>) -> Void) {
        if centered {
            var padding = spec.nFFT / 2
            while padding > 0 {
                let take = min(spec.nFFT - filled, padding)
                samples.baseAddress!.advanced(by: filled).update(repeating: 0, count: take)
                filled += take
                padding -= take
                if filled == spec.nFFT { emit(frame) }
            }
        }
        restartWindow()
    }

    /// Convenience: ``finish(frame:)`` appending the final frames to `frames`; returns how many.
    @discardableResult
    public func finish(into frames: inout [Float]) -> Int {
        let before = framesEmitted
        finish { frames.append(contentsOf: $0) }
        return framesEmitted - before
    }

    /// Forgets the stream so far (buffered samples and both counters) without emitting anything.
    public func reset() {
        restartWindow()
        framesEmitted = 0
        nonFiniteSamples = 0
    }

    private func restartWindow() {
        samples.update(repeating: 0)
        filled = centered ? spec.nFFT / 2 : 0
    }

    /// One full window is in `samples`: transform, project, compress, hand out, advance by `hop`.
    private func emit(_ frame: (UnsafeBufferPointer<Float>) -> Void) {
        let n = spec.nFFT
        let input = fft.input.baseAddress!
        let x = UnsafePointer(samples.baseAddress!)
        let w = UnsafePointer(window.baseAddress!)
        for t in 0..<n { input[t] = x[t] * w[t] }
        fft.execute()
        let bins = UnsafePointer(fft.output.baseAddress!)  // (re, im)
        let p = power.baseAddress!
        for k in 0..<spec.binCount {
            let (re, im) = bins[k]
            p[k] = re * re + im * im
        }
        let m = mel.baseAddress!
        filterbank.apply(power: UnsafePointer(p), into: m)
        for b in 0..<spec.nMels { m[b] = log10(1 + 10000 * m[b]) }
        framesEmitted += 1
        frame(UnsafeBufferPointer(mel))

        let keep = n - spec.hop  // overlapping move, memmove semantics
        UnsafeMutableRawPointer(samples.baseAddress!)
            .copyMemory(from: samples.baseAddress! + spec.hop, byteCount: keep * MemoryLayout<Float>.stride)
        filled = keep
    }
}
