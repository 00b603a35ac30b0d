import MoodCore

/// How the mel patch fed to the network is computed: the `input` metadata of a model file.
public struct ModelInput: Sendable, Equatable {
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

    /// What musicnn was trained on (the shipped files' `input`), for a network taking `[patchFrames x
    /// nMels]` patches: the reference the librosa fixtures and the benchmarks are made with. The daemon
    /// and the command line never use it: they take the loaded file's `input`.
    public static func musicnn(nMels: Int = 96, patchFrames: Int = 187) -> ModelInput {
        ModelInput(sampleRate: 16000, nFFT: 512, hopLength: 256, nMels: nMels, fmin: 0, fmax: 8000,
                   melScale: "slaney", melNorm: "slaney", window: "hann_periodic", power: 2,
                   log: "log10(1+10000*x)", patchFrames: patchFrames)
    }

    /// `"key got (expected X)"` for every field that differs from `other`.
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

extension ModelInput {
    /// The `input` metadata object: every key present with its type (integers as whole numbers, other
    /// numbers as any number); other keys are ignored. Nil when a key is missing or of another type.
    init?(json: JSONValue) {
        func int(_ key: String) -> Int? { json[key]?.intValue }
        func number(_ key: String) -> Double? { json[key]?.doubleValue }
        func text(_ key: String) -> String? { json[key]?.stringValue }
        guard let sampleRate = int("sample_rate"), let nFFT = int("n_fft"), let hopLength = int("hop_length"),
              let nMels = int("n_mels"), let fmin = number("fmin"), let fmax = number("fmax"),
              let melScale = text("mel_scale"), let melNorm = text("mel_norm"), let window = text("window"),
              let power = number("power"), let log = text("log"), let patchFrames = int("patch_frames")
        else { return nil }
        self.init(sampleRate: sampleRate, nFFT: nFFT, hopLength: hopLength, nMels: nMels, fmin: fmin, fmax: fmax,
                  melScale: melScale, melNorm: melNorm, window: window, power: power, log: log, patchFrames: patchFrames)
    }
}
