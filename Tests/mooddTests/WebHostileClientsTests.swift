#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit
import Testing

/// moodd-web under hostile HTTP clients (issue 14): each refused cleanly, with one line of reason where
/// there is a reply, the live page still served, and the process's memory and descriptors bounded.
/// A real daemon on a looping file behind it; raw TCP, since no HTTP library sends such requests.
@Suite(.serialized) struct WebHostileClientsTests {
    /// moodd on a looping file and moodd-web in front of it on a free port.
    final class Station {
        let daemon: RunningDaemon
        let web: ChildProcess
        let port: Int

        init(maxUploadBytes: Int = 50_000_000) throws {
            daemon = try RunningDaemon(["--source", "file+loop:" + Fixtures.path("../../examples/demo.ogg")])
            let out = daemon.directory.path + "/web.out"
            let arguments = ["--config", "/dev/null", "--set", "socket.path=" + daemon.socketPath, "--set", "http.listen=127.0.0.1:0",
                             "--set", "http.max_upload_bytes=\(maxUploadBytes)"]
            let web = try ChildProcess("/bin/sh", ["-c", "exec \"$0\" \"$@\" > \(out)", Command.buildDirectory + "/moodd-web"] + arguments,
                                   environment: ["PATH": "/usr/bin:/bin", "TMPDIR": daemon.directory.path], stderrPath: daemon.directory.path + "/web.err")
            var found: Int?
            _ = waitUntil(timeout: 20) {
                let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                found = text.range(of: "127.0.0.1:").flatMap { Int(text[$0.upperBound...].prefix(while: \.isNumber)) }
                return found != nil || !web.isRunning
            }
            guard let found else {
                self.web = web
                throw RunningDaemon.DidNotStart(description: "moodd-web did not start: " + ((try? String(contentsOfFile: daemon.directory.path + "/web.err", encoding: .utf8)) ?? ""))
            }
            self.web = web
            port = found
        }

        deinit { web.terminate() }

        /// What moodd-web has stored for uploads and not deleted (its private directory is in ours).
        var storedUploads: [String] {
            let fm = FileManager.default
            return ((try? fm.contentsOfDirectory(atPath: daemon.directory.path)) ?? []).filter { $0.hasPrefix("moodd-web.") }
                .flatMap { (try? fm.contentsOfDirectory(atPath: daemon.directory.path + "/" + $0)) ?? [] }
        }

        var residentMB: Double { Double(ResidentMemory.current(of: web.pid) ?? 0) / 1_048_576 }
        var descriptors: Int { ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(web.pid)/fd")) ?? []).count }

        /// The live state still answers.
        func serves() -> Bool {
            guard let reply = try? TCPConnection.request(port: port, "GET /api/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") else { return false }
            return reply.status == 200 && reply.body.contains("\"hello\"")
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        try await offPool {
            let station = try Station()
            let reply = try TCPConnection.request(port: station.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n")
            #expect(reply.status == 400)
            #expect(station.serves())
        }
    }

    @Test func aTwoGigabyteUploadIsRefusedBeforeItsBodyIsRead() async throws {
        try await offPool {
            let station = try Station()
            let connection = try TCPConnection(port: station.port)
            let start = monotonicSeconds()
            connection.send("POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 2147483648\r\n\r\n")
            connection.send([UInt8](repeating: 0x41, count: 1 << 20))
            let (bytes, closed) = connection.receive(timeout: 5)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 413"))
            #expect(text.contains("{\"error\":\"the file is larger than the limit of 50000000 bytes (http.max_upload_bytes)\"}"))
            #expect(closed, "the connection is closed, not drained")
            print("2 GB upload refused in \(Int((monotonicSeconds() - start) * 1000)) ms")
            #expect(station.serves())
        }
    }

    @Test func aStreamedUploadPastTheLimitIsCutOff() async throws {
        try await offPool {
            let station = try Station(maxUploadBytes: 1_000_000)
            let connection = try TCPConnection(port: station.port)
            connection.send("POST /api/classify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n")
            let head = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.wav\"\r\n\r\n".utf8)
            connection.send(Array(String(head.count, radix: 16).utf8) + [13, 10] + head + [13, 10])
            let chunk = [UInt8](repeating: 0x41, count: 65536)
            var sent = 0
            while sent < 3_000_000, connection.send(Array("10000\r\n".utf8) + chunk + [13, 10]) { sent += chunk.count }
            let text = String(decoding: connection.receive(timeout: 5).bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
            #expect(station.serves())
            #expect(waitUntil(timeout: 5) { station.storedUploads.isEmpty }, "no upload is left behind: \(station.storedUploads)")
        }
    }

    @Test func aCorruptFileGetsTheCLIsOneLine() async throws {
        try await offPool {
            let station = try Station()
            var random = SeededRandom(seed: 7)
            let junk = (0..<20_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let body = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"song.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8) + junk + Array("\r\n--b--\r\n".utf8)
            let reply = try TCPConnection.request(port: station.port, "POST /api/classify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: \(body.count)\r\n\r\n", body: body, timeout: 30)
            #expect(reply.status == 422)
            #expect(reply.body.hasPrefix("{\"error\":\"song.wav: "), "\(reply.body)")
            #expect(reply.body.split(separator: "\n").count == 1)
        }
    }

    @Test func uploadsBeingClassifiedNeverHoldTheLiveView() async throws {
        try await offPool {
            let station = try Station()
            let wav = station.daemon.directory.path + "/long.wav"
            try WAVWriter.write((0..<(16000 * 90)).map { Float(sin(Double($0) * 0.05)) * 0.3 }, sampleRate: 16000, to: wav)
            let audio = Array(try Data(contentsOf: URL(fileURLWithPath: wav)))
            let body = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"long.wav\"\r\n\r\n".utf8) + audio + Array("\r\n--b--\r\n".utf8)
            let head = "POST /api/classify HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: \(body.count)\r\n\r\n"
            let uploads = (0..<3).map { _ in try? TCPConnection(port: station.port) }
            for upload in uploads { upload?.send(Array(head.utf8) + body) }
            var slowest = 0.0, answered = 0
            let start = monotonicSeconds()
            while monotonicSeconds() - start < 5 {
                let t = monotonicSeconds()
                if station.serves() { answered += 1 }
                slowest = max(slowest, monotonicSeconds() - t)
            }
            print(String(format: "live state while 3 uploads of 90 s are classified: %d answers in 5 s, slowest %.0f ms", answered, slowest * 1000))
            #expect(answered > 10)
            #expect(slowest < 1)
            let reply = String(decoding: uploads[0]?.receive(timeout: 120).bytes ?? [], as: UTF8.self)
            #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply.prefix(300))")
            #expect(reply.contains("{\"file\":\"long.wav\""))
        }
    }

    @Test func slowlorisConnectionsAreClosedAndThePageStillServes() async throws {
        try await offPool {
            let station = try Station()
            let slow = try (0..<20).map { _ in try TCPConnection(port: station.port) }
            for connection in slow { connection.send("GET / HTTP/1.1\r\nHost: x\r\n") }
            let start = monotonicSeconds()
            var open = slow
            while !open.isEmpty, monotonicSeconds() - start < 30 {
                #expect(station.serves(), "served while \(open.count) slow clients are connected")
                open = open.filter { $0.send("X-a: b\r\n") }  // a header line a second, never the end
                Thread.sleep(forTimeInterval: 1)
            }
            print("20 slowloris clients closed after \(Int(monotonicSeconds() - start)) s")
            #expect(open.isEmpty, "\(open.count) slow clients still connected after 30 s")
        }
    }

    @Test func aThousandConnectionsAreBoundedAndForgotten() async throws {
        try await offPool {
            let station = try Station()
            let before = (station.residentMB, station.descriptors)
            var crowd: [TCPConnection] = []
            for _ in 0..<1000 { if let c = try? TCPConnection(port: station.port, wait: false) { crowd.append(c) } }
            Thread.sleep(forTimeInterval: 2)
            let during = (station.residentMB, station.descriptors)
            print(String(format: "1000 connections: moodd-web RSS %.1f -> %.1f MB, descriptors %d -> %d", before.0, during.0, before.1, during.1))
            #expect(station.web.isRunning)
            #expect(during.1 < before.1 + 300, "connections served at once are capped (256)")
            #expect(during.0 < before.0 + 50)
            for connection in crowd { connection.close() }
            #expect(waitUntil(timeout: 10) { station.serves() }, "served again once the crowd left")
        }
    }
}
