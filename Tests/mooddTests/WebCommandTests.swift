#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MoodTestKit
import Testing

/// `moodd-web`'s command line: what it says when it cannot serve (one line, the house's exit codes).
@Suite struct WebCommandTests {
    @Test func noListenAddressIsAConfigurationError() throws {
        let r = try Command.run("moodd-web", ["--config", "/dev/null"])
        #expect(r.status == 78)
        #expect(r.stderr == "moodd-web: http.listen is empty, so there is no page to serve; set it in [http] (listen = \"127.0.0.1:8080\") or with --set http.listen=127.0.0.1:8080\n")
    }

    @Test func aBadListenAddressNamesTheKey() throws {
        let r = try Command.run("moodd-web", ["--config", "/dev/null", "--set", "http.listen=nope"])
        #expect(r.status == 78)
        #expect(r.stderr == "moodd-web: command line: key 'http.listen': expected HOST:PORT, like \"127.0.0.1:8080\", got \"nope\"\n")
    }

    /// Regression: a port in use printed swift-argument-parser's "Error: bind(descriptor:ptr:bytes:): Address
    /// already in use) (errno: 98)", which names neither the address nor the program.
    @Test func aPortInUseIsOneLineNamingTheAddress() throws {
        let busy = try TCPListener()
        let r = try Command.run("moodd-web", ["--config", "/dev/null", "--set", "http.listen=127.0.0.1:\(busy.port)"], timeout: 20)
        #expect(r.status == 1)
        #expect(r.stderr == "moodd-web: 127.0.0.1:\(busy.port): cannot listen: Address already in use\n")
    }
}
