/// Why an image could not be read, decoded or written.
///
/// Every case carries the file's path when the bytes came from a file (`nil` for bytes in
/// memory), so that `description` can name it; match on the case to react, print
/// `description` to explain.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a directory, no permission, too big).
    case unreadable(path: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// The file or buffer holds zero bytes.
    case empty(path: String?)
    /// The bytes are not an image in a format this library recognizes.
    case unknownFormat(path: String?)
    /// The data ends before the image does.
    case truncated(path: String?, detail: String)
    /// The data is malformed: bad checksum, impossible header, corrupt compressed data.
    case corrupt(path: String?, detail: String)
    /// A valid image of a kind not decoded here (CMYK JPEG, GIF, 12-bit JPEG, …), or an image
    /// an encoder cannot store.
    case unsupported(path: String?, detail: String)
    /// The header declares more pixels than the caller's limit; no pixel memory was allocated.
    case tooLarge(path: String?, width: Int, height: Int, limit: Int)

    /// The file the error is about, if it came from a file.
    public var path: String? {
        switch self {
        case .unreadable(let path, _), .unwritable(let path, _): return path
        case .empty(let path), .unknownFormat(let path): return path
        case .truncated(let path, _), .corrupt(let path, _), .unsupported(let path, _): return path
        case .tooLarge(let path, _, _, _): return path
        }
    }

    /// A one-line explanation that names the file when known.
    public var description: String {
        let message: String
        switch self {
        case .unreadable(_, let reason): message = "cannot read file: \(reason)"
        case .unwritable(_, let reason): message = "cannot write file: \(reason)"
        case .empty: message = "empty file (0 bytes), not an image"
        case .unknownFormat: message = "not an image in a known format (PNG, JPEG, PGM/PPM)"
        case .truncated(_, let detail): message = "truncated image: \(detail)"
        case .corrupt(_, let detail): message = "corrupt image: \(detail)"
        case .unsupported(_, let detail): message = "unsupported image: \(detail)"
        case .tooLarge(_, let width, let height, let limit):
            message = "image is \(width)×\(height) pixels, above the limit of \(limit) pixels"
        }
        guard let path = path else { return message }
        return "\(path): \(message)"
    }

    /// The same error attributed to the file at `path` (errors about files keep their path).
    func attributed(to path: String) -> ImageError {
        switch self {
        case .unreadable, .unwritable: return self
        case .empty: return .empty(path: path)
        case .unknownFormat: return .unknownFormat(path: path)
        case .truncated(_, let detail): return .truncated(path: path, detail: detail)
        case .corrupt(_, let detail): return .corrupt(path: path, detail: detail)
        case .unsupported(_, let detail): return .unsupported(path: path, detail: detail)
        case .tooLarge(_, let width, let height, let limit):
            return .tooLarge(path: path, width: width, height: height, limit: limit)
        }
    }
}
