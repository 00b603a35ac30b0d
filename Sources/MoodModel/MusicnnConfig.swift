/// The dimensions of a musicnn network: what `architecture_version` "1" means.
///
/// `.msd` is MSD_musicnn (Pons & Serra 2019, musicnn `models.py`, `build_musicnn` with
/// `num_filt=1.6`): the shapes a model file must have. Smaller configurations exist for tests.
public struct MusicnnConfig: Sendable, Equatable {
    public var frames: Int                 // mel frames per patch: the model file's `patch_frames` (musicnn's 187)
    public var bands: Int                  // mel bands (96)
    public var timbralFilters: Int         // filters per timbral conv (int(1.6 * 128) = 204)
    public var timbralKernelTime: Int      // odd; zero-padded (k-1)/2 each side in time (7)
    public var timbralKernelBands: [Int]   // one timbral conv per entry, valid in frequency (38, 67)
    public var temporalFilters: Int        // filters per temporal conv (int(1.6 * 32) = 51)
    public var temporalKernels: [Int]      // one temporal conv per entry, SAME in time (128, 64, 32)
    public var midFilters: Int             // filters of each of the 3 mid-end convs (64)
    public var midKernelTime: Int          // odd; zero-padded (k-1)/2 each side in time (7)
    public var denseUnits: Int             // the penultimate layer: the embedding (200)
    public var tagCount: Int               // sigmoid outputs (50)

    public init(
        frames: Int, bands: Int, timbralFilters: Int, timbralKernelTime: Int, timbralKernelBands: [Int],
        temporalFilters: Int, temporalKernels: [Int], midFilters: Int, midKernelTime: Int,
        denseUnits: Int, tagCount: Int
    ) {
        self.frames = frames
        self.bands = bands
        self.timbralFilters = timbralFilters
        self.timbralKernelTime = timbralKernelTime
        self.timbralKernelBands = timbralKernelBands
        self.temporalFilters = temporalFilters
        self.temporalKernels = temporalKernels
        self.midFilters = midFilters
        self.midKernelTime = midKernelTime
        self.denseUnits = denseUnits
        self.tagCount = tagCount
    }

    /// MSD_musicnn (its `frames` are what `MusicnnWeights` replaces with the file's `patch_frames`).
    public static let msd = MusicnnConfig(
        frames: 187, bands: 96, timbralFilters: 204, timbralKernelTime: 7, timbralKernelBands: [38, 67],
        temporalFilters: 51, temporalKernels: [128, 64, 32], midFilters: 64, midKernelTime: 7,
        denseUnits: 200, tagCount: 50)

    /// The mid-end has three convs: c1 = m0(front), c2 = m1(c1) + c1, c3 = m2(c2) + c2.
    public static let midLayers = 3

    /// Channels per frame of the front end: timbral convs, then temporal convs (561).
    public var frontChannels: Int {
        timbralFilters * timbralKernelBands.count + temporalFilters * temporalKernels.count
    }

    /// Channels per frame of the mid-end output `[front, c1, c2, c3]` (753).
    public var midChannels: Int { frontChannels + Self.midLayers * midFilters }

    /// Inputs of the back end: max and mean over time of every mid channel (1506).
    public var pooledCount: Int { 2 * midChannels }

    /// Multiply-accumulates of one forward pass (1.40 G for `.msd`).
    public var multiplyAccumulates: Int {
        var total = 0
        for k in timbralKernelBands {
            total += frames * (bands - k + 1) * timbralKernelTime * k * timbralFilters
        }
        for k in temporalKernels { total += frames * bands * k * temporalFilters }
        total += frames * midKernelTime * (frontChannels + 2 * midFilters) * midFilters
        total += pooledCount * denseUnits + denseUnits * tagCount
        return total
    }

    /// Every tensor the architecture needs, with its exact shape, in network order.
    public var expectedTensors: [(name: String, shape: [Int])] {
        func bn(_ prefix: String, _ n: Int) -> [(name: String, shape: [Int])] {
            ["gamma", "beta", "mean", "var"].map { ("\(prefix).\($0)", [n]) }
        }
        var list = bn("frontend.bn", 1)
        for (i, k) in timbralKernelBands.enumerated() {
            let p = "frontend.timbral.\(i)"
            list += [("\(p).weight", [timbralFilters, timbralKernelTime, k]), ("\(p).bias", [timbralFilters])]
            list += bn("\(p).bn", timbralFilters)
        }
        for (i, k) in temporalKernels.enumerated() {
            let p = "frontend.temporal.\(i)"
            list += [("\(p).weight", [temporalFilters, k]), ("\(p).bias", [temporalFilters])]
            list += bn("\(p).bn", temporalFilters)
        }
        for i in 0..<Self.midLayers {
            let p = "midend.\(i)"
            let inputs = i == 0 ? frontChannels : midFilters
            list += [("\(p).weight", [midFilters, midKernelTime, inputs]), ("\(p).bias", [midFilters])]
            list += bn("\(p).bn", midFilters)
        }
        list += bn("backend.bn", pooledCount)
        list += [("backend.dense.weight", [denseUnits, pooledCount]), ("backend.dense.bias", [denseUnits])]
        list += bn("backend.dense.bn", denseUnits)
        list += [("backend.output.weight", [tagCount, denseUnits]), ("backend.output.bias", [tagCount])]
        return list
    }
}
