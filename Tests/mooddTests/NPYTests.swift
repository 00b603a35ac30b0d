import MoodTestKit
import Testing

@Suite struct NPYTests {
    @Test func roundTripsFloat32Matrices() throws {
        let values: [Float] = [0, 1.5, -2, .greatestFiniteMagnitude, 3e-38, 7]
        let bytes = NPY.encode(float32: values, shape: [2, 3])
        #expect(bytes.count % 64 == 24)  // header padded to 64, then 6 floats
        let back = try NPY.decode(bytes)
        #expect(back == NPY.Array(shape: [2, 3], values: values))
    }

    @Test func encodesTheHeaderNumpyExpects() {
        let bytes = NPY.encode(float32: [1, 2, 3], shape: [3])
        let header = String(decoding: bytes[10..<(bytes.count - 12)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"))
        #expect(header.hasSuffix("\n"))
        #expect((bytes.count - 12) % 64 == 0)
    }

    @Test func readsAFixtureWrittenByNumpy() throws {
        // Tests/Fixtures/npy/arange_f8.npy, written by Tests/Fixtures/make_fixtures.py
        let array = try Fixtures.npy("npy/arange_f8.npy")
        #expect(array.shape == [2, 3])
        #expect(array.values == [0, 1, 2, 3, 4, 5])
    }

    @Test(arguments: [
        ([UInt8](), "missing the NUMPY magic"),
        ([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 9, 0, 0, 0], "unsupported format version 9"),
        ([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0xFF, 0], "truncated header"),
    ])
    func rejectsMalformedFiles(bytes: [UInt8], reason: String) {
        #expect(throws: NPY.FormatError(reason: reason)) { try NPY.decode(bytes) }
    }

    @Test func rejectsDataShorterThanItsShape() {
        var bytes = NPY.encode(float32: [1, 2, 3, 4], shape: [4])
        bytes.removeLast(5)
        #expect(throws: NPY.FormatError.self) { try NPY.decode(bytes) }
    }
}
