import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the connection once a response that says `Connection: close` has been written, without
/// reading the rest of its request: a refused 2 GB upload costs one response, not 2 GB of reading.
/// (Hummingbird otherwise drains an unread request body to keep the connection alive.)
final class CloseAfterRefusal: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var closing = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            closing = head.headerFields[.connection]?.lowercased() == "close"
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closing else { return context.write(data, promise: promise) }
            closing = false
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        }
    }
}
