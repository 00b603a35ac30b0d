import MoodCore
import Synchronization

/// The one place moodd-web keeps what the daemon said (`LiveFeed`) and the open pages' event streams.
/// The daemon link feeds it from its thread; each `GET /api/events` subscribes. A page that reads
/// slowly loses its oldest frames (each stream buffers `pageBuffer` frames), never the daemon's
/// cadence or the other pages'.
public final class LiveHub: Sendable {
    public static let pageBuffer = 64

    private struct State {
        var feed: LiveFeed
        var pages: [Int: AsyncStream<String>.Continuation] = [:]
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(capacity: Int = 256, since: String) {
        state = Mutex(State(feed: LiveFeed(capacity: capacity, since: since)))
    }

    /// The number of open event streams (pages).
    public var pageCount: Int { state.withLock { $0.pages.count } }

    /// `GET /api/state`'s body.
    public func snapshot() -> String { state.withLock { $0.feed.snapshot() } }

    /// A new page's stream: first a `snapshot` frame (what `/api/state` says now), then every frame.
    /// The stream ends when `close` is called on it, or when the page goes (its task is cancelled).
    public func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(Self.pageBuffer))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.pages[id] = continuation
            continuation.yield(LiveFeed.frame(event: "snapshot", data: state.feed.snapshot()))
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.pages.removeValue(forKey: id) }
        }
        return stream
    }

    public func connected() { broadcast { $0.connected() } }

    public func disconnected(reason: String, at time: String) { broadcast { $0.disconnected(reason: reason, at: time) } }

    public func received(_ line: String) { broadcast { $0.received(line).map { [$0] } ?? [] } }

    /// A comment frame every page ignores; keeps proxies from closing an idle stream and lets the
    /// server notice a page that went away.
    public func keepAlive() { broadcast { _ in [": keep-alive\n\n"] } }

    /// Ends every page's stream (shutdown).
    public func finishAll() {
        let pages = state.withLock { state in
            defer { state.pages = [:] }
            return Array(state.pages.values)
        }
        for page in pages { page.finish() }
    }

    private func broadcast(_ change: (inout LiveFeed) -> [String]) {
        state.withLock { state in
            for frame in change(&state.feed) {
                for page in state.pages.values { page.yield(frame) }
            }
        }
    }
}
