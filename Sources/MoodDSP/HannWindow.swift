#if canImport(Glibc)
import Glibc
#endif

/// The Hann window librosa applies before each FFT.
public enum HannWindow {
    /// The periodic ("DFT-even") Hann window of `count` samples, as
    /// `scipy.signal.get_window("hann", count, fftbins=True)` computes it: the symmetric window of
    /// `count + 1` points with the last dropped, `w[n] = 0.5 + 0.5 * cos(-pi + 2 pi n / count)`
    /// (= `0.5 - 0.5 cos(2 pi n / count)`), evaluated in Double on scipy's `linspace(-pi, pi, count + 1)`
    /// grid and rounded to Float. Unitless, `w[0] == 0`, `w[count / 2] == 1`.
    /// - Precondition: `count >= 1`.
    public static func periodic(count: Int) -> [Float] {
        precondition(count >= 1, "window length \(count)")
        let fac = MelFilterbank.linspace(-Double.pi, Double.pi, count: count + 1)
        return (0..<count).map { Float(0.5 + 0.5 * cos(fac[$0])) }
    }
}
