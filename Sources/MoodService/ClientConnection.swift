import Logging
import MoodCore
import NIOCore
import Synchronization

/// One socket client's outgoing side: a `SubscriberQueue` the publisher fills without ever waiting,
/// drained onto the channel on its event loop while the channel is writable.
///
/// Bytes pass from the queue to NIO only while `channel.isWritable`, so NIO holds at most its high
/// water mark (64 KiB) plus one line; the rest waits in the bounded queue, and a client that lets the
/// queue fill is disconnected (docs/protocol.md, "Slow clients"). Lines go to NIO whole, so NIO
/// finishes a partly sent line before the farewell.
final class ClientConnection: EventSubscriber, Sendable {
    let channel: any Channel
    private let queue: Mutex<SubscriberQueue>

    init(channel: any Channel, maxEvents: Int, maxBytes: Int) {
        self.channel = channel
        queue = Mutex(SubscriberQueue(maxEvents: maxEvents, maxBytes: maxBytes))
    }

    /// Any thread; O(1), never blocks (the hub calls it under its lock).
    func receive(_ event: MoodEvent, line: [UInt8]) {
        enqueue(line)
    }

    /// Queues a line for this client alone (a reply), or a published one.
    func enqueue(_ line: [UInt8]) {
        switch queue.withLock({ $0.enqueue(line) }) {
        case .queued, .ignored:
            break
        case .wakeWriter:
            channel.eventLoop.execute { self.drain() }
        case .disconnect(let farewell):
            close(farewell: farewell)
        }
    }

    /// Sends `farewell` with one flush (NIO tries the write at once, without waiting) and closes;
    /// later lines are ignored. Any thread.
    func close(farewell: [UInt8]?) {
        queue.withLock { $0.close() }
        let channel = self.channel
        channel.eventLoop.execute {
            if let farewell, channel.isActive {
                channel.writeAndFlush(channel.allocator.buffer(bytes: farewell), promise: nil)
            }
            channel.close(promise: nil)
        }
    }

    /// Moves queued lines to NIO while the channel is writable. Event loop only; called on wake-up
    /// and when the channel becomes writable again.
    func drain() {
        channel.eventLoop.preconditionInEventLoop()
        var wrote = false
        while channel.isActive, channel.isWritable {
            let next: ByteBuffer? = queue.withLock { queue in
                guard let pending = queue.pending else { return nil }
                let buffer = channel.allocator.buffer(bytes: pending)
                queue.didWrite(pending.count)
                return buffer
            }
            guard let next else { break }
            channel.write(next, promise: nil)
            wrote = true
        }
        if wrote { channel.flush() }
    }

    /// Drops whatever is queued; the client is gone.
    func discard() {
        queue.withLock { $0.close() }
    }
}

/// The channel handler of one client: reads commands (`ClientInput`), answers them through the
/// connection's queue, and restarts the drain when the channel becomes writable.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ClientConnection
    private let hub: EventHub
    private let logger: Logger
    private var input: ClientInput
    private var id: EventHub.ClientID?

    init(connection: ClientConnection, hub: EventHub, logger: Logger) {
        self.connection = connection
        self.hub = hub
        self.logger = logger
        self.input = ClientInput()
    }

    func channelActive(context: ChannelHandlerContext) {
        // Greeting and subscription happen before the first read, so `hello` is always first.
        switch hub.connect(connection) {
        case .connected(let id):
            self.id = id
            logger.debug("client connected", metadata: ["clients": "\(hub.counters.clients)"])
            connection.drain()
        case .refused(let reason):
            logger.info("client refused", metadata: ["reason": "\(reason.json)"])
            connection.close(farewell: reason.jsonLine())
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        handle(input.ingest(buffer.readableBytesView))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client stopped sending (`echo '{"cmd":"status"}' | nc -U ...` does): serve its last
            // line and keep sending events until it closes its reading side too.
            handle(input.finish())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { connection.drain() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        unsubscribe()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        unsubscribe()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ECONNRESET, EPIPE: the client went away.
        logger.debug("client connection failed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func unsubscribe() {
        if let id {
            hub.disconnect(id)
            self.id = nil
            logger.debug("client disconnected", metadata: ["clients": "\(hub.counters.clients)"])
        }
        connection.discard()
    }

    private func handle(_ actions: [ClientInput.Action]) {
        for action in actions {
            switch action {
            case .command(.status):
                connection.enqueue(MoodEvent.status(hub.snapshot()).jsonLine())
            case .reply(let event):
                connection.enqueue(event.jsonLine())
            }
        }
    }
}
