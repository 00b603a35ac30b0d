import CFFTW3f
import Synchronization

/// The seam to single-precision FFTW (libfftw3f): the only file in moodd that imports `CFFTW3f`.
///
/// FFTW's planner keeps global state, so every call that creates or destroys a plan runs under
/// ``plannerLock``. Only the `fftwf_execute*` family is thread-safe, and each ``FFTW/RealForwardPlan``
/// executes on its own buffers, so plans need no lock to run; one plan must still be used by one
/// thread at a time.
enum FFTW {
    /// Serialises `fftwf_plan_*` and `fftwf_destroy_plan` across the whole process.
    private static let plannerLock = Mutex(())

    /// A real-to-complex forward transform of a fixed even size `n`, with its own SIMD-aligned
    /// buffers from `fftwf_malloc`: fill ``input`` (`n` samples), call ``execute()``, read
    /// ``output`` (`n/2 + 1` bins, unnormalised: `X[k] = sum_t x[t] * exp(-2 pi i k t / n)`).
    ///
    /// Planned with `FFTW_ESTIMATE`, not `FFTW_MEASURE`: MEASURE times candidate algorithms at
    /// plan time and may pick a different one in another process or instance, and a different
    /// algorithm rounds differently, so frames would not be bit-reproducible between runs (or
    /// between two front ends in one process). For n = 512 the ESTIMATE plan costs about a
    /// microsecond per transform, a small share of a hop, and planning takes microseconds
    /// instead of milliseconds, without scribbling over the buffers.
    ///
    /// Not thread-safe: one owner. Allocates only in `init`.
    final class RealForwardPlan {
        /// Transform size in samples.
        let count: Int
        /// `count` real samples, the transform's input. Preserved by ``execute()``.
        let input: UnsafeMutableBufferPointer<Float>
        /// `count/2 + 1` complex bins as (re, im), written by ``execute()``.
        let output: UnsafeMutableBufferPointer<(Float, Float)>
        private let plan: fftwf_plan

        /// Plans `fftwf_plan_dft_r2c_1d(count, input, output, FFTW_ESTIMATE | FFTW_PRESERVE_INPUT)`.
        /// - Precondition: `count` is even and in `2...Int32.max`; FFTW returns a plan for any such size.
        init(count: Int) {
            precondition(count >= 2 && count % 2 == 0 && count <= Int(Int32.max), "FFT size \(count)")
            self.count = count
            let bins = count / 2 + 1
            guard let rawIn = fftwf_malloc(MemoryLayout<Float>.stride * count),
                  let rawOut = fftwf_malloc(MemoryLayout<fftwf_complex>.stride * bins)
            else { fatalError("fftwf_malloc failed for an FFT of size \(count)") }
            let inPtr = rawIn.bindMemory(to: Float.self, capacity: count)
            let outPtr = rawOut.bindMemory(to: fftwf_complex.self, capacity: bins)
            inPtr.initialize(repeating: 0, count: count)
            outPtr.initialize(repeating: (0, 0), count: bins)
            input = UnsafeMutableBufferPointer(start: inPtr, count: count)
            output = UnsafeMutableBufferPointer(start: outPtr, count: bins)
            // Assigned inside rather than returned: a plan is not Sendable, so withLock cannot return it.
            var made: fftwf_plan?
            FFTW.plannerLock.withLock { _ in
                made = fftwf_plan_dft_r2c_1d(Int32(count), inPtr, outPtr, UInt32(FFTW_ESTIMATE | FFTW_PRESERVE_INPUT))
            }
            guard let made else { fatalError("fftwf_plan_dft_r2c_1d returned NULL for size \(count)") }
            plan = made
        }

        deinit {
            FFTW.plannerLock.withLock { _ in fftwf_destroy_plan(plan) }
            fftwf_free(input.baseAddress)
            fftwf_free(output.baseAddress)
        }

        /// Transforms ``input`` into ``output`` (`fftwf_execute`). No allocation, no locking.
        @inline(__always)
        func execute() {
            fftwf_execute(plan)
        }
    }
}
