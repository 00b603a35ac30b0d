import Logging
import MoodCore
import MoodSystem
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The Unix stream socket clients subscribe on (docs/protocol.md).
///
/// `run()` places the socket safely (see `SocketPath`), then accepts clients until graceful
/// shutdown. Each client gets `hello` and a `state` snapshot from the hub, then every published
/// event through its own bounded queue (`ClientConnection`); its lifetime is one child task of a
/// discarding task group. On shutdown the server stops accepting, says goodbye to every client,
/// waits for their channels to close, and unlinks the socket (only if it is still the one it made).
public final class SocketServer: Service {
    public struct Settings: Sendable, Equatable {
        /// `socket.path`.
        public var path: String
        /// `socket.mode`, permission bits.
        public var mode: UInt32
        /// `socket.group`; empty keeps the daemon's group.
        public var group: String
        /// `socket.queue_events`, `socket.queue_bytes`: per-client queue bounds.
        public var queueEvents: Int
        public var queueBytes: Int

        public init(path: String, mode: UInt32 = 0o660, group: String = "", queueEvents: Int = 256, queueBytes: Int = 262_144) {
            self.path = path
            self.mode = mode
            self.group = group
            self.queueEvents = queueEvents
            self.queueBytes = queueBytes
        }

        public init(_ config: Config) {
            self.init(
                path: config.socketPath, mode: config.socketMode, group: config.socketGroup,
                queueEvents: config.queueEvents, queueBytes: config.queueBytes)
        }
    }

    public let settings: Settings
    /// Opens once clients can connect: half of readiness.
    public let listening = Latch()
    private let hub: EventHub
    private let group: any EventLoopGroup
    private let logger: Logger

    /// NIO's own buffer per client sits on top of the `SubscriberQueue`; keep it small so the
    /// configured queue is what bounds a client.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 16_384, high: 65_536)

    /// `SO_SNDBUF` of each client's socket, bytes (the kernel doubles it and takes at least 4608):
    /// small, so that a client that does not read fills it within a few events and its writes stall
    /// (`WriteProgress`), which lets the hub give its place to a newcomer after a second and
    /// disconnect it after `socket.unread_timeout`. The default (208 KiB) took minutes to fill at
    /// an event every 1.5 s. A reader drains it as fast as it is written.
    static let clientSendBuffer = 2048

    public init(
        settings: Settings, hub: EventHub, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.settings = settings
        self.hub = hub
        self.group = eventLoopGroup
        self.logger = logger
    }

    public func run() async throws {
        let path = settings.path
        try SocketPath.clear(path)
        let privateDirectory = try SocketPath.makePrivateDirectory(beside: path)
        defer { SocketPath.removePrivateDirectory(privateDirectory) }
        let bindPath = privateDirectory + "/s"
        guard UnixSocketAddress(bindPath) != nil else { throw SocketPath.Refusal.tooLong(path: path, bindPath: bindPath) }

        let hub = self.hub
        let settings = self.settings
        let logger = self.logger
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            .childChannelOption(.socketOption(.so_sndbuf), value: Self.clientSendBuffer)
            .bind(unixDomainSocketPath: bindPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = ClientConnection(
                        channel: channel, maxEvents: settings.queueEvents, maxBytes: settings.queueBytes)
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(connection: connection, hub: hub, logger: logger))
                    return connection
                }
            }

        let identity: SocketPath.Identity
        do {
            try SocketPath.applyPermissions(bindPath, mode: settings.mode, group: settings.group)
            identity = try SocketPath.publish(bindPath, at: path)
        } catch {
            try? await server.channel.close()
            throw error
        }
        defer { SocketPath.remove(path, ifStill: identity) }
        logger.info("listening", metadata: ["path": "\(path)", "mode": "\(String(settings.mode, radix: 8))"])
        listening.open()
        let sweep = server.channel.eventLoop.scheduleRepeatedTask(initialDelay: TimeAmount.milliseconds(500), delay: TimeAmount.milliseconds(500)) { _ in
            let n = hub.disconnectUnreadClients()
            if n > 0 { logger.info("disconnected clients that do not read", metadata: ["count": "\(n)"]) }
        }
        defer { sweep.cancel() }

        try await withGracefulShutdownHandler {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask {
                            // The client's lifetime: its handler does the work on the event loop;
                            // this task ends when the connection does, so shutdown waits for it.
                            let channel = connection.channel
                            await withTaskCancellationHandler {
                                try? await channel.closeFuture.get()
                            } onCancel: {
                                channel.close(promise: nil)
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.shutDown(server.channel)
        }
        logger.info("socket closed", metadata: ["path": "\(path)"])
    }

    /// Stops accepting, then closes every client with a farewell line.
    private func shutDown(_ serverChannel: any Channel) {
        let farewell = MoodEvent.error("moodd is shutting down").jsonLine()
        serverChannel.close().whenComplete { _ in
            // From here on the hub refuses newcomers, so no connection can outlive this loop.
            for client in self.hub.closeClients() {
                (client as? ClientConnection)?.close(farewell: farewell)
            }
        }
    }
}
