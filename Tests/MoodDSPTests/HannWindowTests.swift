import MoodCore
import MoodDSP
import MoodTestKit
import Testing

@Suite struct HannWindowTests {
    @Test func matchesScipyPeriodicHann() throws {
        // scipy.signal.get_window("hann", 512, fftbins=True) as float32 (make_mel_fixtures.py).
        let reference = try Fixtures.npy("mel/hann_512.npy")
        let window = HannWindow.periodic(count: 512)
        #expect(reference.shape == [512])
        // Measured: bit-identical.
        #expect(zip(window, reference.values).allSatisfy { abs($0 - $1) <= 1e-7 })
    }

    @Test func isPeriodicNotSymmetric() {
        let w = HannWindow.periodic(count: 512)
        #expect(w[0] == 0 && w[256] == 1)
        #expect(w[1] == w[511])  // periodic: symmetric about n = 256, so w[511] != w[0]
        #expect(w[511] > 0)
    }
}
