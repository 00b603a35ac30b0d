import CSQLite

/// The one file that talks to SQLite (the system's libsqlite3, opened at run time with the first
/// connection: `CSQLite/shim.h` says why it is not linked): a connection, prepared statements
/// with bound values, rows, and errors as one line naming the database. Not thread-safe: one
/// connection per thread (SQLite's serialized mode is not relied on).
public final class SQLite {
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// A value to bind or read back.
    public enum Value: Equatable, Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)

        public var int: Int64? { if case .integer(let v) = self { v } else { nil } }
        public var double: Double? {
            switch self {
            case .real(let v): v
            case .integer(let v): Double(v)
            default: nil
            }
        }
        public var string: String? { if case .text(let v) = self { v } else { nil } }
    }

    public let path: String
    private var db: OpaquePointer?
    /// SQLite's functions (`CSQLite/shim.h`).
    private let api: moodd_sqlite

    /// libsqlite3 opened once, by the first connection: its functions, or why it cannot be opened.
    private static let library: (api: moodd_sqlite, error: String?) = {
        var api = moodd_sqlite()
        let error = moodd_sqlite_open(&api).map { String(cString: $0) }
        return (api, error.map { "cannot open \(MOODD_SQLITE_LIBRARY) (the libsqlite3-0 package): \($0)" })
    }()

    /// Opens (creating if needed) the database at `path`, with a busy timeout so a second process
    /// waits for the writer instead of failing.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 10_000) throws(Failure) {
        self.path = path
        if let error = Self.library.error { throw Failure(path: path, reason: error) }
        api = Self.library.api
        let rc = api.sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK else {
            let reason = db.map { String(cString: api.sqlite3_errmsg($0)!) } ?? String(cString: api.sqlite3_errstr(rc)!)
            _ = api.sqlite3_close(db)
            db = nil
            throw Failure(path: path, reason: "cannot open the database: \(reason)")
        }
        _ = api.sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { _ = api.sqlite3_close(db) }

    /// Runs `sql` (one or more statements, no parameters, no rows wanted).
    public func execute(_ sql: String) throws(Failure) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = api.sqlite3_exec(db, sql, nil, nil, &message)
        guard rc == SQLITE_OK else {
            let reason = message.map { String(cString: $0) } ?? String(cString: api.sqlite3_errstr(rc)!)
            api.sqlite3_free(message)
            throw Failure(path: path, reason: reason)
        }
    }

    /// Runs `sql` with `values` bound to its `?` parameters, in order; returns every row.
    @discardableResult
    public func query(_ sql: String, _ values: [Value] = []) throws(Failure) -> [[Value]] {
        var statement: OpaquePointer?
        guard api.sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw lastFailure() }
        defer { _ = api.sqlite3_finalize(statement) }
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = api.sqlite3_bind_null(statement, index)
            case .integer(let v): rc = api.sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = api.sqlite3_bind_double(statement, index, v)
            case .text(let v): rc = api.sqlite3_bind_text(statement, index, v, -1, Self.transient)
            }
            guard rc == SQLITE_OK else { throw lastFailure() }
        }
        var rows: [[Value]] = []
        while true {
            let rc = api.sqlite3_step(statement)
            if rc == SQLITE_DONE { return rows }
            guard rc == SQLITE_ROW else { throw lastFailure() }
            rows.append((0..<api.sqlite3_column_count(statement)).map { column in
                switch api.sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .integer(api.sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: .real(api.sqlite3_column_double(statement, column))
                case SQLITE_TEXT: .text(String(cString: api.sqlite3_column_text(statement, column)!))
                default: .null
                }
            })
        }
    }

    /// `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolled back if it throws: all of it or none.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func lastFailure() -> Failure {
        Failure(path: path, reason: String(cString: api.sqlite3_errmsg(db)!))
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound text before `bind` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
