import Foundation
import MoodTestKit
import MoodWeb
import NIOCore
import SystemPackage
import Testing

@Suite struct UploadReceiverTests {
    let boundary = "----moodd1234"

    func body(_ parts: [(headers: String, content: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            out += Array("--\(boundary)\r\n\(part.headers)\r\n\r\n".utf8) + part.content + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    /// Feeds `bytes` in chunks of `chunk` and returns the stored file's bytes and the part (or the failure).
    func receive(_ bytes: [UInt8], limit: Int = 1 << 20, chunk: Int = 7) throws -> (Result<FormPart, UploadReceiver.Failure>, [UInt8]) {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/upload"
        let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create], permissions: [.ownerReadWrite])
        let receiver = UploadReceiver(boundary: boundary, limit: limit, output: fd)
        let result: Result<FormPart, UploadReceiver.Failure> = Result { () throws(UploadReceiver.Failure) -> FormPart in
            var index = 0
            while index < bytes.count {
                try receiver.receive(ByteBuffer(bytes: bytes[index..<min(bytes.count, index + chunk)]))
                index += chunk
            }
            return try receiver.finish()
        }
        try fd.close()
        return (result, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func storesTheFileFieldWhateverTheChunking() throws {
        let audio = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) } + Array("\r\n--\(boundary.dropLast(2))\r\n".utf8)  // bytes that almost look like a boundary
        let bytes = body([
            ("Content-Disposition: form-data; name=\"comment\"", Array("hello".utf8)),
            ("Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav", audio),
        ])
        for chunk in [1, 7, 100, 100_000] {
            let (result, stored) = try receive(bytes, chunk: chunk)
            #expect(try result.get() == FormPart(name: "file", filename: "a.wav"))
            #expect(stored == audio, "chunk \(chunk)")
        }
    }

    @Test func refusesPastTheLimit() throws {
        let bytes = body([("Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"", [UInt8](repeating: 1, count: 2000))])
        let (result, stored) = try receive(bytes, limit: 1000, chunk: 300)
        #expect(throws: UploadReceiver.Failure.tooLarge(limit: 1000)) { try result.get() }
        #expect(stored.count <= 1000)
    }

    @Test func formWithoutAFileSaysSo() throws {
        let (result, _) = try receive(body([("Content-Disposition: form-data; name=\"other\"", [1, 2, 3])]))
        #expect(throws: UploadReceiver.Failure.noFile) { try result.get() }
    }

    @Test func twoFilesAreRefused() throws {
        let part = ("Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"", [UInt8](repeating: 1, count: 10))
        let (result, _) = try receive(body([part, part]))
        #expect(throws: UploadReceiver.Failure.twoFiles) { try result.get() }
    }

    @Test func bodyCutInsideTheFileIsNotAFile() throws {
        let bytes = body([("Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"", [UInt8](repeating: 1, count: 100))])
        let (result, _) = try receive(Array(bytes.prefix(80)))
        #expect(throws: UploadReceiver.Failure.malformed("the body ended inside the file")) { try result.get() }
    }

    @Test func garbageIsMalformed() throws {
        let (result, _) = try receive(Array("this is not multipart at all\r\n".utf8))
        #expect(throws: (any Error).self) { try result.get() }
    }

    @Test(arguments: [
        ("multipart/form-data; boundary=abc", "abc"),
        ("multipart/form-data; boundary=\"a b\"", "a b"),
        ("Multipart/Form-Data;charset=utf-8; BOUNDARY=x", "x"),
    ])
    func boundaryFromContentType(type: String, boundary: String) {
        #expect(UploadReceiver.boundary(contentType: type) == boundary)
    }

    @Test(arguments: ["application/json", "multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=a"])
    func noBoundaryWithoutAForm(type: String) {
        #expect(UploadReceiver.boundary(contentType: type) == nil)
    }
}
