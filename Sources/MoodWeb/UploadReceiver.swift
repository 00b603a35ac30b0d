import MultipartKit
import NIOCore
import SystemPackage

/// Receives one `multipart/form-data` body as it streams in and writes its `file` field to `file`,
/// never holding more than one chunk in memory. Other fields are ignored; a second `file` field is an
/// error. One task at a time.
public final class UploadReceiver {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case noFile
        case twoFiles
        case malformed(String)
        case write(String)

        public var description: String {
            switch self {
            case .tooLarge(let limit): "the file is larger than the limit of \(limit) bytes (http.max_upload_bytes)"
            case .noFile: "the form has no field 'file' with a file in it"
            case .twoFiles: "the form has more than one field 'file'; send one file at a time"
            case .malformed(let reason): "the form is not valid multipart/form-data (\(reason))"
            case .write(let reason): "cannot store the upload: \(reason)"
            }
        }
    }

    public let limit: Int
    /// The `file` field's Content-Disposition, once its headers arrived.
    public private(set) var part: FormPart?
    public private(set) var bytes = 0
    private let parser: MultipartParser
    private let output: SystemPackage.FileDescriptor
    private var current: FormPart?
    private var currentIsFile = false
    private var fileDone = false
    private var failure: Failure?

    /// `boundary` from the request's Content-Type; the file's bytes go to `output` (left open).
    public init(boundary: String, limit: Int, output: SystemPackage.FileDescriptor) {
        self.limit = limit
        self.output = output
        parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in
            guard name.lowercased() == "content-disposition", let disposition = FormPart(contentDisposition: value) else { return }
            current = disposition
            guard disposition.name == "file" else { return }
            if part != nil { fail(.twoFiles) }
            part = disposition
            currentIsFile = true
        }
        parser.onBody = { [unowned self] buffer in
            guard currentIsFile, failure == nil else { return }
            bytes += buffer.readableBytes
            guard bytes <= limit else { return fail(.tooLarge(limit: limit)) }
            do {
                try buffer.withUnsafeReadableBytes { raw in _ = try output.writeAll(raw) }
            } catch {
                fail(.write("\(error)"))
            }
        }
        parser.onPartComplete = { [unowned self] in
            if currentIsFile { fileDone = true }
            current = nil
            currentIsFile = false
        }
    }

    /// The boundary of a `multipart/form-data` Content-Type; nil for any other type.
    public static func boundary(contentType: String) -> String? {
        let fields = contentType.split(separator: ";").map(trimmingSpaces)
        guard let kind = fields.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "="), field[..<equals].lowercased() == "boundary" else { continue }
            var value = field[field.index(after: equals)...]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty || value.count > 70 ? nil : String(value)
        }
        return nil
    }

    /// The next chunk of the body.
    public func receive(_ chunk: ByteBuffer) throws(Failure) {
        if let failure { throw failure }
        do {
            try parser.execute(chunk)
        } catch {
            throw .malformed("\(error)")
        }
        if let failure { throw failure }
    }

    /// The body ended: the file arrived whole, or why not.
    public func finish() throws(Failure) -> FormPart {
        if let failure { throw failure }
        guard let part, fileDone else { throw part == nil ? .noFile : .malformed("the body ended inside the file") }
        return part
    }

    private func fail(_ reason: Failure) {
        if failure == nil { failure = reason }
    }
}

private func trimmingSpaces(_ text: Substring) -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
    return text[first...last]
}
