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

    @Test(arguments: [(0, 1, 96), (187, 0, 96), (187, 93, 0)])
    func rejectsBadParameters(patch: Int, hop: Int, bands: Int) {
        #expect(throws: DSPParameterError.self) { try PatchWindow(patchFrames: patch, hopFrames: hop, bands: bands) }
    }
}
