import CMosquitto
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The one file that talks to libmosquitto, which it opens at run time when the first client is
/// made (`CMosquitto/shim.h`: a daemon without MQTT never maps it, nor libssl and libcrypto): a
/// client whose network loop runs on libmosquitto's own thread (`mosquitto_loop_start`), which, once a connection is under way, carries it on and
/// reconnects by itself with a capped exponential backoff. Callbacks arrive on that thread; `publish`
/// may be called from any. The owner makes each connection attempt that no network thread is there to
/// make (`connect`): the first, one that failed at once, and one after a TLS error, on which libmosquitto
/// 2.0's thread ends without a word (`mosquitto_loop_forever` returns on `MOSQ_ERR_TLS`) and never
/// reconnects; its only trace is its log, which this client watches for OpenSSL's errors to say
/// `networkStopped`.
final class MosquittoClient: @unchecked Sendable {
    // @unchecked: `api` is a table of C function pointers, set once; libmosquitto is thread-safe for publish/disconnect with loop_start (it locks inside);
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
        /// ended: nothing more happens until the next `connect`. Once per connection attempt.
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
    /// libmosquitto's functions (`CMosquitto/shim.h`: opened at run time, not linked).
    private let api: moodd_mosquitto

    /// libmosquitto opened and initialised, once, by the first client; or why it cannot be.
    private static let library: Result<moodd_mosquitto, Failure> = {
        var api = moodd_mosquitto()
        if let error = moodd_mosquitto_open(&api) {
            return .failure(Failure(description: "cannot open \(MOODD_MOSQUITTO_LIBRARY) (MQTT needs the libmosquitto1 package): \(String(cString: error))"))
        }
        _ = api.mosquitto_lib_init()
        return .success(api)
    }()

    /// Why libmosquitto cannot be opened; nil when it can (`moodd check-config` with `mqtt.host` set).
    static var unavailable: String? {
        if case .failure(let failure) = library { return failure.description }
        return nil
    }

    init(clientID: String, onEvent: @escaping @Sendable (Event) -> Void) throws(Failure) {
        api = try Self.library.get()
        self.onEvent = onEvent
        handle = nil
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let handle = api.mosquitto_new(clientID, true, context) else {
            throw Failure(description: "mosquitto_new failed (client id \(clientID))")
        }
        self.handle = handle
        api.mosquitto_connect_callback_set(handle) { _, context, rc in
            let client = Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue()
            client.onEvent(rc == 0 ? .connected : .refused(String(cString: client.api.mosquitto_connack_string(rc)!)))
        }
        api.mosquitto_disconnect_callback_set(handle) { _, context, rc in
            let client = Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue()
            client.onEvent(.disconnected(rc == 0 ? "disconnected" : String(cString: client.api.mosquitto_strerror(rc)!)))
        }
        api.mosquitto_publish_callback_set(handle) { _, context, _ in
            let client = Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue()
            client.onEvent(.sent)
        }
        api.mosquitto_log_callback_set(handle) { _, context, level, text in
            guard level == MOSQ_LOG_ERR, let text else { return }
            Unmanaged<MosquittoClient>.fromOpaque(context!).takeUnretainedValue().logged(String(cString: text))
        }
    }

    /// libmosquitto's error lines: during `connect`, kept for its answer; on the network thread, an
    /// OpenSSL error means the thread has given up (see the type's comment).
    private func logged(_ text: String) {
        let stopped = log.withLock { log -> String? in
            if let thread = log.connectingThread, pthread_equal(thread, pthread_self()) != 0 {
                if log.connectError == nil { log.connectError = text }
                return nil
            }
            guard let error = Self.openSSLError(text), !log.tlsErrorReported else { return nil }
            log.tlsErrorReported = true
            return error
        }
        if let stopped { onEvent(.networkStopped(stopped)) }
    }

    /// `error:0A000086:SSL routines::certificate verify failed` from libmosquitto's
    /// `OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed`; nil for other lines.
    private static func openSSLError(_ text: String) -> String? {
        guard text.hasPrefix("OpenSSL Error[") else { return nil }
        return text.split(separator: ":", maxSplits: 1).last.map { String($0.drop { $0 == " " }) }
    }

    deinit {
        api.mosquitto_destroy(handle)
    }

    func setCredentials(username: String, password: String?) throws(Failure) {
        try check(api.mosquitto_username_pw_set(handle, username, password), "username")
    }

    func setTLS(caFile: String) throws(Failure) {
        try check(api.mosquitto_tls_set(handle, caFile, nil, nil, nil, nil), "tls \(caFile)")
    }

    /// The broker publishes this when the connection dies without a goodbye.
    func setWill(topic: String, payload: String, retain: Bool) throws(Failure) {
        let bytes = Array(payload.utf8)
        try check(api.mosquitto_will_set(handle, topic, Int32(bytes.count), bytes, 0, retain), "will")
    }

    /// The network thread's reconnection backoff, in seconds: `min`, 2 `min`, 3 `min`... at most `max`
    /// apart (libmosquitto's linear backoff). Its "exponential" one is quadratic (1, 4, 9, 16 ... s):
    /// a broker back after 5 s waited 9 s more for its stations, one back after 20 s, 10 s more.
    func setReconnectDelay(min: Int, max: Int) throws(Failure) {
        try check(api.mosquitto_reconnect_delay_set(handle, UInt32(min), UInt32(max), false), "reconnect delay")
    }

    /// Why a connection attempt failed at once.
    struct ConnectFailure: Error, CustomStringConvertible {
        var description: String
        /// The TLS handshake failed (the broker's certificate, in OpenSSL's words in `description`).
        var isTLS: Bool
    }

    /// One connection attempt, made while no network thread runs: what is left of the last one is
    /// joined (forced, as in `stop`: should it not have ended, it is cancelled rather than waited
    /// for), the TCP connection and the TLS handshake are started, and if they are under way a new
    /// network thread carries them on (nil); else why not, and no thread runs. Never with a thread
    /// running: after a TLS error libmosquitto's state says connected, so a thread would reconnect by
    /// itself at the same time, and two threads in one handshake crash in libssl. Never blocks for
    /// long: a local refusal is immediate, a remote host costs what the kernel's connect does.
    func connect(host: String, port: Int, keepalive: Int) -> ConnectFailure? {
        _ = api.mosquitto_loop_stop(handle, true)
        log.withLock { $0 = Log(connectingThread: pthread_self()) }
        let rc = api.mosquitto_connect_async(handle, host, Int32(port), Int32(keepalive))
        let detail = log.withLock { log -> String? in
            log.connectingThread = nil
            return log.connectError
        }
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            if rc == MOSQ_ERR_TLS.rawValue, let detail, let openSSL = Self.openSSLError(detail) {
                return ConnectFailure(description: openSSL, isTLS: true)
            }
            return ConnectFailure(description: String(cString: api.mosquitto_strerror(rc)!) + (detail.map { " (\($0))" } ?? ""), isTLS: rc == MOSQ_ERR_TLS.rawValue)
        }
        let started = api.mosquitto_loop_start(handle)
        guard started == MOSQ_ERR_SUCCESS.rawValue else {
            return ConnectFailure(description: "loop start: " + String(cString: api.mosquitto_strerror(started)!), isTLS: false)
        }
        return nil
    }

    /// Queues a QoS 0 message; false when there is no connection (nothing is queued then).
    func publish(topic: String, payload: String, retain: Bool) -> Bool {
        let bytes = Array(payload.utf8)
        return api.mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes, 0, retain) == MOSQ_ERR_SUCCESS.rawValue
    }

    /// Says goodbye (the will is not sent) and stops the network thread, waiting at most for it to
    /// notice: `force` cancels it where it is (a broker that stopped reading).
    func stop(force: Bool) {
        _ = api.mosquitto_disconnect(handle)
        _ = api.mosquitto_loop_stop(handle, force)
    }

    private func check(_ rc: Int32, _ what: String) throws(Failure) {
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            throw Failure(description: "\(what): \(String(cString: api.mosquitto_strerror(rc)!))")
        }
    }
}
