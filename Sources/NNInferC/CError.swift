import CNNInferAPI
import NNFormat
import NNRuntime

/// A failure of a C API call: the status code returned and the message `nninfer_last_error` shows.
struct CError: Error {
    var status: nninfer_status
    var message: String

    static func invalidArgument(_ message: String) -> CError { CError(status: Status.invalidArgument, message: message) }
    static func invalidInput(_ message: String) -> CError { CError(status: Status.invalidInput, message: message) }

    /// Maps a runtime error to its status code, keeping the runtime's message.
    init(_ error: RuntimeError) {
        message = error.description
        switch error {
        case .format(let f):
            switch f {
            case .fileNotFound, .unreadable: status = Status.file
            case .writeFailed: status = Status.internal
            default: status = Status.invalidModel
            }
        case .unsupported: status = Status.unsupported
        case .invalidNode: status = Status.invalidModel
        case .shapeMismatch: status = Status.shape
        case .invalidInput: status = Status.invalidInput
        case .limitExceeded, .outOfMemory: status = Status.limitExceeded
        }
    }

    init(status: nninfer_status, message: String) {
        self.status = status
        self.message = message
    }
}

/// The status codes of nninfer.h as Swift constants.
enum Status {
    static let ok = nninfer_status(NNINFER_OK)
    static let invalidArgument = nninfer_status(NNINFER_ERROR_INVALID_ARGUMENT)
    static let file = nninfer_status(NNINFER_ERROR_FILE)
    static let invalidModel = nninfer_status(NNINFER_ERROR_INVALID_MODEL)
    static let unsupported = nninfer_status(NNINFER_ERROR_UNSUPPORTED)
    static let invalidInput = nninfer_status(NNINFER_ERROR_INVALID_INPUT)
    static let bufferTooSmall = nninfer_status(NNINFER_ERROR_BUFFER_TOO_SMALL)
    static let shape = nninfer_status(NNINFER_ERROR_SHAPE)
    static let limitExceeded = nninfer_status(NNINFER_ERROR_LIMIT_EXCEEDED)
    static let `internal` = nninfer_status(NNINFER_ERROR_INTERNAL)
}

/// Runs the body of a C entry point: success returns `NNINFER_OK`; a thrown `CError` sets the
/// thread's last-error message and returns its status.
@inline(__always)
func capi(_ body: () throws(CError) -> Void) -> nninfer_status {
    do {
        try body()
        return Status.ok
    } catch {
        setLastError(error.message)
        return error.status
    }
}

/// Replaces the calling thread's last-error message.
func setLastError(_ message: String) {
    var text = message
    text.withUTF8 { bytes in
        bytes.withMemoryRebound(to: CChar.self) { chars in
            nninfer_internal_set_last_error(chars.baseAddress, chars.count)
        }
    }
}

/// Converts a C size to `Int`, failing for sizes no buffer can have.
func intSize(_ value: Int, _ what: String) throws(CError) -> Int {
    guard value >= 0 else { throw .invalidArgument("\(what) (\(UInt(bitPattern: value))) is too large") }
    return value
}

/// Reads a NUL-terminated C string argument.
func string(_ pointer: UnsafePointer<CChar>?, _ what: String) throws(CError) -> String {
    guard let pointer else { throw .invalidArgument("\(what) is NULL") }
    return String(cString: pointer)
}
