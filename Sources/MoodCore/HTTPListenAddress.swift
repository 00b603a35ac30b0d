/// Where moodd-web listens: `[http] listen = "HOST:PORT"`. HOST is an IPv4 address, a bracketed IPv6
/// address (`[::1]:8080`) or a host name; PORT is 0...65535 (0: any free port, which moodd-web prints). Parsed here once so a bad value is one
/// line at load time, not a bind error later.
public struct HTTPListenAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public struct Problem: Error, Equatable { public var message: String }

    public static func parse(_ text: String) -> Result<HTTPListenAddress, Problem> {
        guard let colon = text.lastIndex(of: ":") else {
            return .failure(Problem(message: "expected HOST:PORT, like \"127.0.0.1:8080\", got \"\(text)\""))
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65535).contains(port), portText.allSatisfy(\.isASCII) else {
            return .failure(Problem(message: "the port must be between 0 and 65535, got \"\(portText)\""))
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return .failure(Problem(message: "an IPv6 host is written [ADDRESS], got \"\(host)\"")) }
            host = String(host.dropFirst().dropLast())
            guard host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return .failure(Problem(message: "not an IPv6 address: \"\(host)\""))
            }
        } else {
            guard !host.isEmpty else { return .failure(Problem(message: "the host is missing (use 127.0.0.1 for this machine only), got \"\(text)\"")) }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                return .failure(Problem(message: "not a host name or IPv4 address: \"\(host)\""))
            }
        }
        return .success(HTTPListenAddress(host: host, port: port))
    }

    /// True for 127.0.0.0/8, ::1 and localhost: the page is not reachable from the LAN.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
