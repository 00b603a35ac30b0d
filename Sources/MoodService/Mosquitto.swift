import CMosquitto
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The one file that talks to libmosquitto: a client whose network loop runs on libmosquitto's own
/// thread (`mosquitto_loop_start`), which connects in the background and reconnects by itself with
/// a capped exponential backoff. Callbacks arrive on that thread; `publish` may be called from any.
/// Except after a TLS error: there libmosquitto 2.0's thread ends without a word (`mosquitto_loop_forever`
/// returns on `MOSQ_ERR_TLS`) and never reconnects; its only trace is its log, which this client
/// watches for OpenSSL's errors to say `networkStopped`, after which the owner calls `restart`.
final class MosquittoClient: @unchecked Sendable {
    // @unchecked: libmosquitto is thread-safe for publish/disconnect with loop_start (it locks inside);
    // `handle` is set once; `log` is behind its mutex.

    enum Event: Sendable {
        case connected
        /// The broker refused the connection (bad credentials, ...) or the network failed; libmosquitto
        /// retries with the backoff.
        case refused(String)
        case disconnected(String)
        /// A QoS 0 message left for the network (it is no longer in libmosquitto's queue).
        case sent
        /// The network thread met a TLS error (OpenSSL's words: `certificate verify failed`) and has
        /// ended: nothing more happens until `restart` and `connect`. Once per connection attempt.
        case networkStopped(String)
    }

    /// What libmosquitto logged that matters here.
    private struct Log {
        /// The thread inside `connect`: what libmosquitto logs on it belongs to `connect`'s answer.
        var connectingThread: pthread_t?
        /// The first error logged during `connect`.
        var connectError: String?
        /// Whether this attempt's TLS error was reported (libmosquitto logs each OpenSSL error, and
        /// some of them twice).
        var tlsErrorReported = false
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private var handle: OpaquePointer?
    private let onEvent: @Sendable (Event) -> Void
    private let log = Mutex(Log())

    private static let initialised: Void = { mosquitto_lib_init() }()

    init(clientID: String, onEvent: @escaping @Sendable (Event) -> Void) throws(Failure) {
        _ = Self.initialised
        self.onEvent = onEvent
        handle = nil
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let handle = mosquitto_new(clientID, true, context) else {
            throw Failure(description: "mosquitto_new failed (client id \(clientID))")
        }
        self.handle = handle
        mosquitto_connect_callback_set(handle) { _, context, rc in
            let client = Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue()
            client.onEvent(rc == 0 ? .connected : .refused(String(cString: mosquitto_connack_string(rc))))
        }
        mosquitto_disconnect_callback_set(handle) { _, context, rc in
            let client = Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue()
            client.onEvent(.disconnected(rc == 0 ? "disconnected" : String(cString: mosquitto_strerror(rc))))
        }
        mosquitto_publish_callback_set(handle) { _, context, _ in
            let client = Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue()
            client.onEvent(.sent)
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            guard level == MOSQ_LOG_ERR, let text else { return }
            Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue().logged(String(cString: text))
        }
    }

    /// libmosquitto's error lines: during `connect`, kept for its answer; on the network thread, an
    /// OpenSSL error means the thread has given up (see the type's comment).
    private func logged(_ text: String) {
        let openSSL = "OpenSSL Error["
        let stopped = log.withLock { log -> String? in
            if let thread = log.connectingThread, pthread_equal(thread, pthread_self()) != 0 {
                if log.connectError == nil { log.connectError = text }
                return nil
            }
            guard text.hasPrefix(openSSL), !log.tlsErrorReported else { return nil }
            log.tlsErrorReported = true
            // "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed"
            return text.split(separator: ":", maxSplits: 1).last.map { $0.trimmingPrefix(" ") }.map(String.init) ?? text
        }
        if let stopped { onEvent(.networkStopped(stopped)) }
    }

    deinit {
        mosquitto_destroy(handle)
    }

    func setCredentials(username: String, password: String?) throws(Failure) {
        try check(mosquitto_username_pw_set(handle, username, password), "username")
    }

    func setTLS(caFile: String) throws(Failure) {
        try check(mosquitto_tls_set(handle, caFile, nil, nil, nil, nil), "tls \(caFile)")
    }

    /// The broker publishes this when the connection dies without a goodbye.
    func setWill(topic: String, payload: String, retain: Bool) throws(Failure) {
        let bytes = Array(payload.utf8)
        try check(mosquitto_will_set(handle, topic, Int32(bytes.count), bytes, 0, retain), "will")
    }

    /// Starts the network thread; `connect` then opens the connection. Once one connection has been
    /// made, libmosquitto's thread reconnects by itself with the backoff; before that (a broker that
    /// is not there at start), libmosquitto 2.0's thread waits for a first connection that it never
    /// retries, so the caller retries `connect` itself.
    func start(reconnectMin: Int, reconnectMax: Int) throws(Failure) {
        try check(mosquitto_reconnect_delay_set(handle, UInt32(reconnectMin), UInt32(reconnectMax), true), "reconnect delay")
        try check(mosquitto_loop_start(handle), "loop start")
    }

    /// One attempt at the TCP connection (the MQTT handshake follows on the network thread); nil when
    /// it is under way, else why not (the broker refused it, no such host...). Never blocks for long:
    /// a local refusal is immediate, a remote host costs what the kernel's connect does.
    func connect(host: String, port: Int, keepalive: Int) -> String? {
        log.withLock { $0 = Log(connectingThread: pthread_self()) }
        let rc = mosquitto_connect_async(handle, host, Int32(port), Int32(keepalive))
        let detail = log.withLock { log -> String? in
            log.connectingThread = nil
            return log.connectError
        }
        guard rc != MOSQ_ERR_SUCCESS.rawValue else { return nil }
        return String(cString: mosquitto_strerror(rc)) + (detail.map { " (\($0))" } ?? "")
    }

    /// After `networkStopped`: joins what is left of the network thread, makes one connection attempt
    /// (nil when under way, else why not) and starts another thread, which carries the attempt on or,
    /// when it failed, retries by itself with the backoff. In this order, never `connect` while a
    /// network thread runs: after a TLS error libmosquitto's state says connected, so a new thread
    /// would reconnect at once by itself, and two threads in one handshake crash in libssl. Forced, as
    /// in `stop`: should the old thread not have ended after all, it is cancelled, not waited for.
    func restart(host: String, port: Int, keepalive: Int) throws(Failure) -> String? {
        mosquitto_loop_stop(handle, true)
        let reason = connect(host: host, port: port, keepalive: keepalive)
        try check(mosquitto_loop_start(handle), "loop start")
        return reason
    }

    /// Queues a QoS 0 message; false when there is no connection (nothing is queued then).
    func publish(topic: String, payload: String, retain: Bool) -> Bool {
        let bytes = Array(payload.utf8)
        return mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes, 0, retain) == MOSQ_ERR_SUCCESS.rawValue
    }

    /// Says goodbye (the will is not sent) and stops the network thread, waiting at most for it to
    /// notice: `force` cancels it where it is (a broker that stopped reading).
    func stop(force: Bool) {
        mosquitto_disconnect(handle)
        mosquitto_loop_stop(handle, force)
    }

    private func check(_ rc: Int32, _ what: String) throws(Failure) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw Failure(description: "\(what): \(String(cString: mosquitto_strerror(rc)))")
        }
    }
}
