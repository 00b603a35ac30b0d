import Logging
import MoodCore
import MoodSystem
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
    /// Writes handed to NIO and not yet in the kernel: how the hub tells a client that does not read.
    private let progress = Mutex(WriteProgress())

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

    var stalledSince: Double? { progress.withLock { $0.stalledSince } }

    func evict(farewell: [UInt8]) { close(farewell: farewell) }

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
            progress.withLock { $0.wrote(at: SystemClock.now.seconds) }
            let written = channel.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { _ in self.progress.withLock { $0.completed(at: SystemClock.now.seconds) } }
            channel.write(next, promise: written)
            wrote = true
        }
        if wrote { channel.flush() }
    }

    /// See `SubscriberQueue.hasRoomForReplies`.
    var hasRoomForReplies: Bool { queue.withLock { $0.hasRoomForReplies } }

    /// See `SubscriberQueue.replyBudget`.
    var replyBudget: Int { queue.withLock { $0.replyBudget } }

    /// Queues `reply` if `SubscriberQueue.hasRoomForReply(ofSize:)`; false (nothing queued) otherwise.
    func enqueueReply(_ reply: [UInt8]) -> Bool {
        guard queue.withLock({ $0.hasRoomForReply(ofSize: reply.count) }) else { return false }
        enqueue(reply)
        return true
    }

    /// Drops whatever is queued; the client is gone.
    func discard() {
        queue.withLock { $0.close() }
    }
}

/// The channel handler of one client: reads commands (`ClientInput`), answers them through the
/// connection's queue, and restarts the drain when the channel becomes writable.
///
/// Replies are paced by the client's reading, never a reason to disconnect it: commands are served
/// while the queue has room for them (`SubscriberQueue.hasRoomForReply(ofSize:)`); past that the rest of
/// what was read waits in `backlog` and the channel stops reading (`autoRead` off), so the kernel's
/// buffers push back on the client. Serving resumes after the queue drains. Memory per client stays
/// bounded by one read's worth of commands.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ClientConnection
    private let hub: EventHub
    private let logger: Logger
    private var input: ClientInput
    private var id: EventHub.ClientID?
    /// Commands read but not yet served, oldest first from `backlogHead`.
    private var backlog: [ClientInput.Action] = []
    private var backlogHead = 0
    /// Reading is paused until the backlog is served.
    private var paused = false

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
        backlog += input.ingest(buffer.readableBytesView)
        serveBacklog(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client stopped sending (`echo '{"cmd":"status"}' | nc -U ...` does): serve its last
            // line and keep sending events until it closes its reading side too.
            backlog += input.finish()
            serveBacklog(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            connection.drain()
            serveBacklog(context: context)
        }
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

    /// Serves backlogged commands while replies have room; pauses reading otherwise. Event loop only.
    private func serveBacklog(context: ChannelHandlerContext) {
        let start = backlogHead
        while backlogHead < backlog.count {
            guard connection.hasRoomForReplies, connection.enqueueReply(reply(to: backlog[backlogHead])) else {
                if !paused {
                    paused = true
                    context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                }
                // Served some, or the channel is writable (a large reply waits for lines the drain
                // already scheduled): try again after that drain (the event loop runs tasks in order).
                // Otherwise the drain could not empty the queue, so the channel is unwritable and
                // `channelWritabilityChanged` comes back here when it is writable.
                guard backlogHead > start || context.channel.isWritable else { return }
                context.eventLoop.assumeIsolated().execute { [weak self] in
                    guard let self, context.channel.isActive else { return }
                    self.serveBacklog(context: context)
                }
                return
            }
            backlogHead += 1
        }
        backlog.removeAll(keepingCapacity: backlog.count <= 1024)
        backlogHead = 0
        if paused {
            paused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    /// The line answering `action`; a history reply is cut to the queue's reply budget.
    private func reply(to action: ClientInput.Action) -> [UInt8] {
        switch action {
        case .command(.status):
            MoodEvent.status(hub.snapshot()).jsonLine()
        case .command(.history(let seconds)):
            hub.historyLine(seconds: seconds, maxBytes: connection.replyBudget)
        case .reply(let event):
            event.jsonLine()
        }
    }
}
