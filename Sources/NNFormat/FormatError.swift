/// Everything that can go wrong reading or writing a model or tensor file.
///
/// Every case carries `source`: the file path, or `<memory>` for bytes. `description` is a
/// message a person can act on: which file, which tensor or node, what was expected and found.
public enum FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(source: String)
    /// The file exists but could not be read (permissions, a directory, an I/O error).
    case unreadable(source: String, reason: String)
    /// The bytes end in the middle of a protobuf field.
    case truncated(source: String, detail: String)
    /// The bytes are not a protobuf message of the expected kind.
    case notProtobuf(source: String, detail: String)
    /// A size is over a limit of `ReadOptions.Limits` (or a hard limit of the format).
    case limitExceeded(source: String, what: String, value: Int, limit: Int)
    /// A tensor's data does not match its declared type and dimensions.
    case tensorDataMismatch(source: String, tensor: String, detail: String)
    /// A dimension or shape is invalid (negative, overflowing).
    case invalidShape(source: String, context: String, detail: String)
    /// The model is structurally invalid (names, graph order, IR version, opsets, attributes).
    case invalidModel(source: String, context: String, detail: String)
    /// External tensor data could not be used (not allowed, outside the model's directory, out of range).
    case externalData(source: String, tensor: String, detail: String)
    /// Writing a file failed; nothing was left at the destination.
    case writeFailed(destination: String, reason: String)

    /// The file or `<memory>` the error is about.
    public var source: String {
        switch self {
        case .fileNotFound(let s), .unreadable(let s, _), .truncated(let s, _), .notProtobuf(let s, _),
            .limitExceeded(let s, _, _, _), .tensorDataMismatch(let s, _, _), .invalidShape(let s, _, _),
            .invalidModel(let s, _, _), .externalData(let s, _, _), .writeFailed(let s, _):
            return s
        }
    }

    /// A one-line message naming the file, the item and the problem.
    public var description: String {
        switch self {
        case .fileNotFound(let s): return "\(s): no such file"
        case .unreadable(let s, let r): return "\(s): cannot read: \(r)"
        case .truncated(let s, let d): return "\(s): truncated: \(d)"
        case .notProtobuf(let s, let d): return "\(s): not an ONNX protobuf: \(d)"
        case .limitExceeded(let s, let w, let v, let l):
            return "\(s): \(w) is \(v), over the limit of \(l) (raise it in the reader's limits if the file is trusted)"
        case .tensorDataMismatch(let s, let t, let d): return "\(s): tensor '\(t)': \(d)"
        case .invalidShape(let s, let c, let d): return "\(s): \(c): \(d)"
        case .invalidModel(let s, let c, let d): return "\(s): \(c): \(d)"
        case .externalData(let s, let t, let d): return "\(s): tensor '\(t)': external data: \(d)"
        case .writeFailed(let s, let r): return "\(s): write failed: \(r)"
        }
    }
}
