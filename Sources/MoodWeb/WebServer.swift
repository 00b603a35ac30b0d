import Hummingbird
import HummingbirdCore
import HTTPTypes
import Logging
import MoodCore
import MoodSystem
import NIOCore
import SystemPackage

/// moodd-web's HTTP side (docs/web.md): the page, the daemon's state and history, the live events,
/// and "try a file". Everything the daemon says comes from `hub` (one subscription) or a
/// `DaemonQuery` of its own; uploads go through `uploads` to `classifier` in a child process.
public struct WebServer: Sendable {
    public struct Settings: Sendable {
        public var listen: HTTPListenAddress
        public var socketPath: String
        public var maxUploadBytes: Int
        /// Connections served at once; more wait in the listen backlog.
        public var maxConnections = 256
        /// A connection that sends no complete request head (or no body bytes) for this long is closed:
        /// slowloris, dead peers. Live event streams are not idle while they are being answered.
        public var idleTimeout: TimeAmount = .seconds(15)
        /// Request heads larger than this are refused with 400.
        public var maxHeaderBytes = 16 * 1024
        /// Uploads in the house at once (receiving, waiting, classifying).
        public var uploadPlaces = 4
        /// Where uploads are stored while they are classified (a private directory).
        public var scratchDirectory: String

        public init(listen: HTTPListenAddress, socketPath: String, maxUploadBytes: Int, scratchDirectory: String) {
            self.listen = listen
            self.socketPath = socketPath
            self.maxUploadBytes = maxUploadBytes
            self.scratchDirectory = scratchDirectory
        }
    }

    public let settings: Settings
    public let hub: LiveHub
    public let classifier: ClassifyRunner
    public let uploads: UploadQueue

    public init(settings: Settings, hub: LiveHub, classifier: ClassifyRunner) {
        self.settings = settings
        self.hub = hub
        self.classifier = classifier
        uploads = UploadQueue(capacity: settings.uploadPlaces)
    }

    /// The application, ready to run; `onListening` gets the bound address (`host:port`).
    public func application(logger: Logger, onListening: @escaping @Sendable (String) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/") { _, _ in Self.asset(Page.html, type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in Self.asset(Page.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in Self.asset(Page.style, type: "text/css; charset=utf-8") }
        router.get("/api/state") { _, _ in Self.json(.ok, hub.snapshot()) }
        router.get("/api/events") { _, _ in events() }
        router.get("/api/history") { request, _ in await history(request) }
        router.post("/api/classify") { request, _ in await classify(request) }
        var http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [CloseAfterRefusal()], idleTimeout: settings.idleTimeout,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes, maxHeaderFieldCount: 100)
        )
        http1.idleTimeout = settings.idleTimeout
        return Application(
            router: router,
            server: .http1(configuration: http1),
            configuration: .init(
                address: .hostname(settings.listen.host, port: settings.listen.port), serverName: "moodd-web",
                availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)
            ),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? settings.listen.host):\($0.port ?? settings.listen.port)" }
                await onListening(address ?? settings.listen.description)
            },
            logger: logger
        )
    }

    /// `GET /api/events`: Server-Sent Events, a `snapshot` first, then every line the daemon sends and
    /// `up`/`down` (docs/web.md). Ends when the page goes.
    private func events() -> Response {
        let stream = hub.subscribe()
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await frame in stream {
                try await writer.write(ByteBuffer(string: frame))
            }
            try await writer.finish(nil)
        })
    }

    /// `GET /api/history?seconds=N` (default 3600): the daemon's `history` reply as it sent it.
    private func history(_ request: Request) async -> Response {
        var seconds = 3600.0
        if let text = request.uri.queryParameters["seconds"] {
            guard let value = Double(String(text)), value > 0, value.isFinite else {
                return Self.error(.badRequest, "seconds must be a positive number of seconds, like /api/history?seconds=3600")
            }
            seconds = value
        }
        let command = "{\"cmd\":\"history\",\"seconds\":\(DecimalFormat(decimals: 3).string(seconds))}"
        let socketPath = settings.socketPath
        do {
            let line = try await SystemThread.run("history query") {
                try DaemonQuery.ask(socketPath: socketPath, command: command, reply: "history")
            }
            return Self.json(.ok, line)
        } catch let failure as DaemonQuery.Failure {
            if case .daemon(let message) = failure { return Self.error(.conflict, message) }
            return Self.error(.badGateway, "moodd is not answering: \(failure)")
        } catch {
            return Self.error(.internalServerError, "\(error)")
        }
    }

    /// `POST /api/classify` with a multipart field `file`: what `moodd classify --json --timeline`
    /// says of it, or `{"error":…}` with the CLI's one line.
    private func classify(_ request: Request) async -> Response {
        guard let boundary = request.headers[.contentType].flatMap(UploadReceiver.boundary(contentType:)) else {
            return Self.error(.unsupportedMediaType, "POST /api/classify takes multipart/form-data with the file in a field named 'file'", close: true)
        }
        let slack = 64 * 1024  // the form's own bytes around the file
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > settings.maxUploadBytes + slack {
            return Self.error(.contentTooLarge, UploadReceiver.Failure.tooLarge(limit: settings.maxUploadBytes).description, close: true)
        }
        guard await uploads.admit() else {
            return Self.error(.serviceUnavailable, "\(settings.uploadPlaces) files are being classified already; try again in a moment", close: true)
        }
        defer { Task { await uploads.leave() } }
        let scratch = settings.scratchDirectory + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var stored: String?
        defer { if let stored { try? FileSystem.unlink(FilePath(stored)) } }
        let part: FormPart
        do {
            let fd = try SystemPackage.FileDescriptor.open(FilePath(scratch + ".part"), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec], permissions: [.ownerReadWrite])
            stored = scratch + ".part"
            defer { try? fd.close() }
            let receiver = UploadReceiver(boundary: boundary, limit: settings.maxUploadBytes, output: fd)
            for try await chunk in request.body {
                try receiver.receive(chunk)
                // A body that arrives faster than it is parsed never suspends the loop above, and the
                // pool has a thread per core: let the live view's requests in between chunks.
                await Task.yield()
            }
            part = try receiver.finish()
        } catch let failure as UploadReceiver.Failure {
            if case .tooLarge = failure { return Self.error(.contentTooLarge, failure.description, close: true) }
            return Self.error(.badRequest, failure.description, close: true)
        } catch {
            return Self.error(.badRequest, "the upload did not arrive whole: \(error)", close: true)
        }
        // The decoder may go by the name's extension: give the stored file the upload's.
        let path = scratch + part.fileExtension
        do {
            try FileSystem.rename(FilePath(scratch + ".part"), to: FilePath(path))
            stored = path
        } catch {
            return Self.error(.internalServerError, "cannot store the upload: \(error)")
        }
        let classifier = self.classifier
        do {
            let line = try await uploads.serially { try await classifier.classify(path: path, name: part.displayName, scratch: scratch) }
            return Self.json(.ok, line)
        } catch let failure as ClassifyRunner.Failure {
            if case .badFile(let reason) = failure { return Self.error(.unprocessableContent, reason) }
            return Self.error(.internalServerError, failure.description)
        } catch {
            return Self.error(.internalServerError, "\(error)")
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: HTTPResponse.Status, _ body: String, close: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        if close { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
    }

    /// `{"error":"…"}`; `close`: the connection is closed after it (its request body is not read).
    static func error(_ status: HTTPResponse.Status, _ message: String, close: Bool = false) -> Response {
        json(status, "{\"error\":" + JSONValue.string(message).encoded() + "}", close: close)
    }
}
