import CPulseSimple

// The PulseAudio seam: the only file that imports CPulseSimple. The simple API runs its own
// mainloop and handles EINTR itself; its calls return < 0 and set an error code (pa_error_code),
// which becomes a `PulseError` naming the call.

/// A failed libpulse-simple call: `code` is the PA_ERR_* value, `message` pa_strerror's words.
struct PulseError: Error, Equatable {
    var code: Int32
    var operation: String

    var message: String { pa_strerror(code).map { String(cString: $0) } ?? "error \(code)" }

    /// The connection was refused, dropped or timed out, or the source does not exist (yet):
    /// things a restarted server or a plugged-in device fixes.
    var isTransient: Bool {
        switch UInt32(bitPattern: code) {
        case PA_ERR_CONNECTIONREFUSED.rawValue, PA_ERR_CONNECTIONTERMINATED.rawValue, PA_ERR_TIMEOUT.rawValue,
             PA_ERR_NOENTITY.rawValue, PA_ERR_KILLED.rawValue, PA_ERR_BUSY.rawValue, PA_ERR_IO.rawValue,
             PA_ERR_INTERNAL.rawValue, PA_ERR_BADSTATE.rawValue, PA_ERR_PROTOCOL.rawValue:
            true
        default:
            false
        }
    }
}

/// One record stream (pa_simple_new with PA_STREAM_RECORD), float32le interleaved.
///
/// Threading: one owner; pa_simple is not thread-safe.
final class PulseRecordStream {
    private let handle: OpaquePointer

    /// Connects to `server` (nil: $PULSE_SERVER, then the default) and records from `device` (nil:
    /// the default source). `fragmentBytes` is `pa_buffer_attr.fragsize`: without it the server
    /// delivers in ~2 s lumps. maxlength stays the server's default (the most it buffers for us).
    init(server: String?, device: String?, clientName: String, rate: UInt32, channels: UInt8,
         fragmentBytes: UInt32) throws(PulseError) {
        var spec = pa_sample_spec(format: PA_SAMPLE_FLOAT32LE, rate: rate, channels: channels)
        var attr = pa_buffer_attr(maxlength: UInt32.max, tlength: UInt32.max, prebuf: UInt32.max,
                                  minreq: UInt32.max, fragsize: fragmentBytes)
        var error: Int32 = 0
        let handle = pa_simple_new(server, clientName, PA_STREAM_RECORD, device, "capture", &spec, nil, &attr, &error)
        guard let handle else { throw PulseError(code: error, operation: "pa_simple_new") }
        self.handle = handle
    }

    deinit { pa_simple_free(handle) }

    /// Blocks until exactly `bytes` bytes are in `buffer` (pa_simple_read).
    func read(into buffer: UnsafeMutableRawPointer, bytes: Int) throws(PulseError) {
        var error: Int32 = 0
        if pa_simple_read(handle, buffer, bytes, &error) < 0 {
            throw PulseError(code: error, operation: "pa_simple_read")
        }
    }

    /// Microseconds between a sample entering the source and it reaching us (pa_simple_get_latency).
    func latency() throws(PulseError) -> UInt64 {
        var error: Int32 = 0
        let usec = pa_simple_get_latency(handle, &error)
        if usec == UInt64.max { throw PulseError(code: error, operation: "pa_simple_get_latency") }
        return usec
    }
}
