import MoodCore
import Testing

/// The `[http]` keys moodd-web reads (docs/web.md): off unless configured, one line per bad value.
struct ConfigHTTPTests {
    @Test func offByDefault() throws {
        let config = try Config.parse("", file: "moodd.conf").config
        #expect(config.httpListen == nil)
        #expect(config.httpMaxUploadBytes == 50_000_000)
    }

    @Test func readsTheKeys() throws {
        let config = try Config.parse("[http]\nlisten = \"127.0.0.1:8080\"\nmax_upload_bytes = 1000\n", file: "moodd.conf").config
        #expect(config.httpListen == HTTPListenAddress(host: "127.0.0.1", port: 8080))
        #expect(config.httpListen?.isLoopback == true)
        #expect(config.httpMaxUploadBytes == 1000)
        let v6 = try Config().applying(overrides: ["http.listen": "[::1]:9000"])
        #expect(v6.httpListen == HTTPListenAddress(host: "::1", port: 9000))
        #expect(v6.httpListen?.description == "[::1]:9000")
        #expect(try Config.parse("[http]\nlisten = \"0.0.0.0:80\"", file: "moodd.conf").config.httpListen?.isLoopback == false)
    }

    @Test(arguments: [
        ("8080", "expected HOST:PORT, like \"127.0.0.1:8080\", got \"8080\""),
        (":8080", "the host is missing (use 127.0.0.1 for this machine only), got \":8080\""),
        ("127.0.0.1:-1", "the port must be between 0 and 65535, got \"-1\""),
        ("127.0.0.1:http", "the port must be between 0 and 65535, got \"http\""),
        ("127.0.0.1:70000", "the port must be between 0 and 65535, got \"70000\""),
        ("[::1:8080", "an IPv6 host is written [ADDRESS], got \"[::1\""),
        ("a b:80", "not a host name or IPv4 address: \"a b\""),
    ])
    func badListenValuesAreOneLine(value: String, message: String) {
        #expect(throws: Config.Errors(diagnostics: [.init(origin: "moodd.conf", line: 2, key: "http.listen", message: message)])) {
            try Config.parse("[http]\nlisten = \"\(value)\"\n", file: "moodd.conf")
        }
    }

    @Test func badUploadLimitIsAnError() {
        #expect(throws: Config.Errors(diagnostics: [
            .init(origin: "moodd.conf", line: 2, key: "http.max_upload_bytes", message: "must be between 1 and 2000000000, got 0")
        ])) {
            try Config.parse("[http]\nmax_upload_bytes = 0\n", file: "moodd.conf")
        }
    }

    @Test func rendersAndParsesBack() throws {
        var config = Config()
        config.httpListen = HTTPListenAddress(host: "::1", port: 8080)
        let back = try Config.parse(config.render(comments: false), file: "moodd.conf").config
        #expect(back.httpListen == config.httpListen)
    }
}
