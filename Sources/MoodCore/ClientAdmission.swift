/// Who may hold one of the socket's `maxClients` places: decisions made from each client's
/// `WriteProgress`, so that clients that do not read cannot lock the others out.
///
/// - A newcomer is admitted while there is a free place. When every place is taken, the client that
///   has left its writes stalled longest gives its place up, if stalled for at least
///   `evictionGrace` seconds; only when every client is reading is the newcomer refused.
/// - A client stalled for `unreadTimeout` seconds is disconnected in any case (`expired`), so a
///   non-reader does not sit on its queue's memory until the queue fills.
///
/// Pure: the hub passes the clients and the time in (seconds, monotonic).
public struct ClientAdmission: Sendable, Equatable {
    public struct Client: Sendable, Equatable {
        public var id: Int
        /// `WriteProgress.stalledSince`; nil for a client with nothing outstanding.
        public var stalledSince: Double?

        public init(id: Int, stalledSince: Double?) {
            self.id = id
            self.stalledSince = stalledSince
        }
    }

    public enum Decision: Sendable, Equatable {
        case admit
        /// Admit after disconnecting client `id`, which has not taken a write for `stalledFor` seconds.
        case admitEvicting(id: Int, stalledFor: Double)
        /// Every place is held by a client that reads.
        case refuse
    }

    /// Seconds a client must have been stalled before it gives its place to a newcomer. A reader's
    /// writes complete within milliseconds, even at thousands of events a second.
    public static let evictionGrace = 1.0

    /// `socket.max_clients`.
    public let maxClients: Int
    /// `socket.unread_timeout`, seconds; 0 = never disconnect for that alone.
    public let unreadTimeout: Double

    public init(maxClients: Int, unreadTimeout: Double) {
        precondition(maxClients > 0, "max clients must be positive")
        precondition(unreadTimeout >= 0 && unreadTimeout.isFinite, "unread timeout must be finite and not negative")
        self.maxClients = maxClients
        self.unreadTimeout = unreadTimeout
    }

    /// Whether a newcomer gets a place among `clients` at `now`.
    public func admit(_ clients: [Client], now: Double) -> Decision {
        guard clients.count >= maxClients else { return .admit }
        // Longest stalled first; the older connection on a tie.
        let stalled = clients.compactMap { c in c.stalledSince.map { (id: c.id, since: $0) } }
            .min { ($0.since, $0.id) < ($1.since, $1.id) }
        guard let stalled, now - stalled.since >= Self.evictionGrace else { return .refuse }
        return .admitEvicting(id: stalled.id, stalledFor: now - stalled.since)
    }

    /// The clients stalled for `unreadTimeout` seconds or more at `now`, oldest stall first.
    public func expired(_ clients: [Client], now: Double) -> [Int] {
        guard unreadTimeout > 0 else { return [] }
        return clients.compactMap { c in c.stalledSince.map { (id: c.id, since: $0) } }
            .filter { now - $0.since >= unreadTimeout }
            .sorted { ($0.since, $0.id) < ($1.since, $1.id) }
            .map(\.id)
    }
}
