import CSoxr

// The libsoxr seam: the only file that imports CSoxr. libsoxr reports errors as static C strings
// (soxr_error_t, NULL for success); they become a `SoxrError` naming the call that failed.

/// A failed libsoxr call; `message` is the library's soxr_error_t string.
struct SoxrError: Error, Equatable {
    var operation: String
    var message: String
}

/// One libsoxr stream resampler for mono float32 samples (soxr_create with
/// soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)).
///
/// The quality is what python-soxr 1.1 passes for `quality='soxr_hq'`, the default of
/// `librosa.resample`: soxr_quality_spec(SOXR_HQ, 0) (20-bit precision, linear phase, passband
/// end 0.913 of Nyquist) with the default runtime spec (NULL: one thread).
/// Input is always taken whole (soxr_process with a NULL `idone`, as python-soxr calls it);
/// output that does not fit into the caller's buffer stays queued inside libsoxr.
///
/// Threading: one owner; a soxr_t must not be used from two threads at once.
final class Soxr {
    private let handle: soxr_t
    /// A valid pointer for calls that pass no samples: soxr_process treats a NULL input as
    /// end-of-input, so "nothing yet" must be a non-NULL pointer with length 0.
    private let noInput: UnsafeMutablePointer<Float>

    /// Rates in Hz, finite and > 0 (checked by the caller).
    init(inputRate: Double, outputRate: Double) throws(SoxrError) {
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var error: soxr_error_t? = nil
        let handle = soxr_create(inputRate, outputRate, 1, &error, &io, &quality, nil)
        if let error {
            soxr_delete(handle)
            throw SoxrError(operation: "soxr_create", message: String(cString: error))
        }
        guard let handle else { throw SoxrError(operation: "soxr_create", message: "no resampler returned") }
        self.handle = handle
        noInput = .allocate(capacity: 1)
        noInput.initialize(to: 0)
    }

    deinit {
        soxr_delete(handle)
        noInput.deallocate()
    }

    /// Pushes `count` samples from `input` (all are consumed; nil means none) and writes at most
    /// `capacity` output samples to `output`. Returns the number written. Maps to soxr_process.
    func process(_ input: UnsafePointer<Float>?, count: Int, into output: UnsafeMutablePointer<Float>,
                 capacity: Int) throws(SoxrError) -> Int {
        var done = 0
        let source = count > 0 ? UnsafeRawPointer(input ?? UnsafePointer(noInput)) : UnsafeRawPointer(noInput)
        if let error = soxr_process(handle, source, count, nil, output, capacity, &done) {
            throw SoxrError(operation: "soxr_process", message: String(cString: error))
        }
        return done
    }

    /// Signals end of input (soxr_process with a NULL input) and writes at most `capacity` of the
    /// remaining output. Call again until it returns 0.
    func flush(into output: UnsafeMutablePointer<Float>, capacity: Int) throws(SoxrError) -> Int {
        var done = 0
        if let error = soxr_process(handle, nil, 0, nil, output, capacity, &done) {
            throw SoxrError(operation: "soxr_process (flush)", message: String(cString: error))
        }
        return done
    }

    /// Forgets all input and queued output; the next sample starts a fresh stream (soxr_clear).
    func clear() throws(SoxrError) {
        if let error = soxr_clear(handle) {
            throw SoxrError(operation: "soxr_clear", message: String(cString: error))
        }
    }

    /// The resampler's current delay, in output samples (soxr_delay).
    var delay: Double { soxr_delay(handle) }
}
