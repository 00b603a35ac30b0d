import Foundation

/// Throwaway TLS material for tests, made with `openssl` (installed by `scripts/bootstrap --test`) in
/// a temporary directory, never committed: two unrelated certificate authorities, and for each a
/// server certificate for 127.0.0.1 (and `localhost`) that it signed. P-256 keys: a few milliseconds each.
public final class TestCertificates: Sendable {
    public static let openssl = executablePath("openssl")
    public static var isAvailable: Bool { openssl != nil }

    /// A CA and the server certificate and key it signed, as files.
    public struct Authority: Sendable {
        public let caFile: String
        public let certFile: String
        public let keyFile: String
    }

    /// The CA a client is given; and `other`, one it does not know.
    public let trusted: Authority
    public let other: Authority
    private let directory: TemporaryDirectory

    public init() throws {
        directory = try TemporaryDirectory()
        trusted = try Self.authority("trusted", in: directory.path)
        other = try Self.authority("other", in: directory.path)
        // mosquitto started as root drops to the user `mosquitto` before it loads its certificates.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.path + "/" + file)
        }
    }

    private static func authority(_ name: String, in directory: String) throws -> Authority {
        let base = directory + "/" + name
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + key + ["-keyout", base + "-ca.key", "-out", base + "-ca.crt", "-days", "2",
                 "-subj", "/CN=moodd test CA \(name)", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=keyCertSign,cRLSign"])
        try run(["req"] + key + ["-keyout", base + "-server.key", "-out", base + "-server.csr", "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: base + "-ext.cnf", atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", base + "-server.csr", "-CA", base + "-ca.crt", "-CAkey", base + "-ca.key",
                 "-CAcreateserial", "-out", base + "-server.crt", "-days", "2", "-extfile", base + "-ext.cnf"])
        return Authority(caFile: base + "-ca.crt", certFile: base + "-server.crt", keyFile: base + "-server.key")
    }

    private static func run(_ arguments: [String]) throws {
        guard let openssl else { throw ChildProcess.SpawnError(description: "openssl is not installed") }
        let status = try runTool(openssl, arguments, environment: [:], timeout: 20)
        guard status == 0 else {
            throw ChildProcess.SpawnError(description: "openssl \(arguments.joined(separator: " ")): exit \(status)")
        }
    }
}
