/// How the mel patch fed to the network is computed: the `input` metadata of a model file.
public struct ModelInput: Sendable, Equatable, Decodable {
    public var sampleRate: Int     // Hz
    public var nFFT: Int           // samples
    public var hopLength: Int      // samples
    public var nMels: Int
    public var fmin: Double        // Hz
    public var fmax: Double        // Hz
    public var melScale: String    // "slaney"
    public var melNorm: String     // "slaney"
    public var window: String      // "hann_periodic"
    public var power: Double       // 2: power spectrum
    public var log: String         // "log10(1+10000*x)"
    public var patchFrames: Int    // mel frames per patch

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate", nFFT = "n_fft", hopLength = "hop_length", nMels = "n_mels"
        case fmin, fmax, melScale = "mel_scale", melNorm = "mel_norm", window, power, log
        case patchFrames = "patch_frames"
    }

    /// What musicnn was trained on, for a network taking `[patchFrames x nMels]` patches.
    public static func musicnn(nMels: Int = 96, patchFrames: Int = 187) -> ModelInput {
        ModelInput(sampleRate: 16000, nFFT: 512, hopLength: 256, nMels: nMels, fmin: 0, fmax: 8000,
                   melScale: "slaney", melNorm: "slaney", window: "hann_periodic", power: 2,
                   log: "log10(1+10000*x)", patchFrames: patchFrames)
    }

    /// `"key: got vs expected"` for every field that differs from `other`.
    func differences(from other: ModelInput) -> [String] {
        let mine = fields, theirs = other.fields
        return zip(mine, theirs).compactMap { $0.value == $1.value ? nil : "\($0.key) \($0.value) (expected \($1.value))" }
    }

    private var fields: [(key: String, value: String)] {
        [("sample_rate", "\(sampleRate)"), ("n_fft", "\(nFFT)"), ("hop_length", "\(hopLength)"), ("n_mels", "\(nMels)"),
         ("fmin", "\(fmin)"), ("fmax", "\(fmax)"), ("mel_scale", melScale), ("mel_norm", melNorm), ("window", window),
         ("power", "\(power)"), ("log", log), ("patch_frames", "\(patchFrames)")]
    }
}
