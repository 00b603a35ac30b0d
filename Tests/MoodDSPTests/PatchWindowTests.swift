import MoodDSP
import Testing

@Suite struct PatchWindowTests {
    /// Frames numbered 0..<n, each row filled with its index, so a patch tells which frames it holds.
    static func frames(_ range: Range<Int>, bands: Int) -> [Float] {
        range.flatMap { [Float](repeating: Float($0), count: bands) }
    }

    static func firstFrames(of patches: [[Float]], bands: Int) -> [Int] { patches.map { Int($0[0]) } }

    @Test(arguments: [(187, 93), (5, 2), (4, 4), (3, 7)])
    func patchesStartEveryHopWhateverTheBlockSizes(patch: Int, hop: Int) throws {
        let bands = 3, n = 400
        for blockFrames in [1, 7, 93, 187, 400] {
            let window = try PatchWindow(patchFrames: patch, hopFrames: hop, bands: bands)
            var patches: [[Float]] = []
            let all = Self.frames(0..<n, bands: bands)
            var start = 0
            while start < n {
                let end = min(start + blockFrames, n)
                all[start * bands..<end * bands].withUnsafeBufferPointer { block in
                    window.push(block) { patches.append(Array($0)) }
                }
                start = end
            }
            let expectedStarts = Array(stride(from: 0, through: n - patch, by: hop))
            #expect(Self.firstFrames(of: patches, bands: bands) == expectedStarts, "block \(blockFrames)")
            for (p, s) in zip(patches, expectedStarts) {
                #expect(p == Self.frames(s..<s + patch, bands: bands))
            }
            #expect(window.patchesEmitted == expectedStarts.count)
            #expect(window.framesPushed == n)
        }
    }

    @Test func aStreamShorterThanAPatchIsPaddedWithSilenceOnce() throws {
        let window = try PatchWindow(patchFrames: 5, hopFrames: 2, bands: 2)
        var patches: [[Float]] = []
        Self.frames(1..<4, bands: 2).withUnsafeBufferPointer { window.push($0) { patches.append(Array($0)) } }
        #expect(patches.isEmpty)
        #expect(window.finishShortStream { patches.append(Array($0)) })
        #expect(patches == [[1, 1, 2, 2, 3, 3, 0, 0, 0, 0]])
        #expect(!window.finishShortStream { patches.append(Array($0)) })
    }

    @Test func finishDoesNothingAfterAFullPatch() throws {
        let window = try PatchWindow(patchFrames: 2, hopFrames: 1, bands: 1)
        var count = 0
        [Float](repeating: 1, count: 3).withUnsafeBufferPointer { window.push($0) { _ in count += 1 } }
        #expect(count == 2)
        #expect(!window.finishShortStream { _ in count += 1 })
    }

    /// The daemon's way: push blocks of any size and ask for the latest patch at any time; it is the
    /// last `patchFrames` frames pushed since the last reset, across the storage's compactions.
    @Test(arguments: [1, 2, 7, 187, 400])
    func theLatestPatchIsTheLastFramesPushed(blockFrames: Int) throws {
        let bands = 3, patch = 5, n = 400
        let window = try PatchWindow(patchFrames: patch, bands: bands)
        let all = Self.frames(0..<n, bands: bands)
        var start = 0
        while start < n {
            let end = min(start + blockFrames, n)
            all[start * bands..<end * bands].withUnsafeBufferPointer { window.push($0) }
            start = end
            let latest = window.withLatestPatch { Array($0) }
            #expect(latest == (end >= patch ? Self.frames(end - patch..<end, bands: bands) : nil), "after frame \(end)")
            #expect(window.framesHeld == min(end, patch))
        }
        window.reset()
        #expect(window.withLatestPatch { Array($0) } == nil)
        #expect(window.framesHeld == 0)
        Self.frames(1000..<1004, bands: bands).withUnsafeBufferPointer { window.push($0) }
        #expect(window.withLatestPatch { Array($0) } == nil, "4 frames since the reset are not a patch")
        Self.frames(1004..<1006, bands: bands).withUnsafeBufferPointer { window.push($0) }
        #expect(window.withLatestPatch { Array($0) } == Self.frames(1001..<1006, bands: bands))
    }

    /// Patches every hop and the latest patch read from one window agree.
    @Test func theLatestPatchIsTheOneJustEmitted() throws {
        let bands = 2
        let window = try PatchWindow(patchFrames: 4, hopFrames: 3, bands: bands)
        var emitted: [[Float]] = []
        for s in stride(from: 0, to: 30, by: 5) {
            Self.frames(s..<s + 5, bands: bands).withUnsafeBufferPointer { window.push($0) { emitted.append(Array($0)) } }
        }
        #expect(Self.firstFrames(of: emitted, bands: bands) == Array(stride(from: 0, through: 26, by: 3)))
        #expect(window.withLatestPatch { Array($0) } == Self.frames(26..<30, bands: bands))
    }

    @Test(arguments: [(0, 1, 96), (187, 0, 96), (187, 93, 0)])
    func rejectsBadParameters(patch: Int, hop: Int, bands: Int) {
        #expect(throws: DSPParameterError.self) { try PatchWindow(patchFrames: patch, hopFrames: hop, bands: bands) }
    }
}
