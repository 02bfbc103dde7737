import CNNInferAPI
import NNFormat
@testable import NNInferC
import NNRuntime

/// Status codes of nninfer.h (the library's own constants).
typealias S = Status

let float32 = nninfer_element_type(NNINFER_FLOAT32)
let int64 = nninfer_element_type(NNINFER_INT64)

/// The calling thread's last error message.
func lastError() -> String { String(cString: nninfer_last_error()) }

struct CAPIFailure: Error, CustomStringConvertible {
    var status: nninfer_status
    var message: String
    var description: String { "status \(status): \(message)" }
}

/// Throws the last error when `status` is not NNINFER_OK.
func check(_ status: nninfer_status) throws {
    if status != S.ok { throw CAPIFailure(status: status, message: lastError()) }
}

/// A session created from a model's bytes through the C API; released with the object.
final class CSession: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ model: Model, threads: Int32 = 2) throws {
        let bytes = try ModelWriter.serialize(model)
        var options = nninfer_session_options()
        nninfer_session_options_init(&options)
        options.threads = threads
        var session: OpaquePointer?
        try check(bytes.withUnsafeBytes { nninfer_session_create_from_memory($0.baseAddress, $0.count, &options, &session) })
        guard let session else { throw CAPIFailure(status: -1, message: "no session") }
        pointer = session
    }

    deinit { nninfer_session_release(pointer) }
}

/// A result through the C API; released with the object.
final class CResult {
    let pointer: OpaquePointer

    init() throws {
        var result: OpaquePointer?
        try check(nninfer_result_create(&result))
        guard let result else { throw CAPIFailure(status: -1, message: "no result") }
        pointer = result
    }

    deinit { nninfer_result_release(pointer) }

    /// Output `index` as shape and float values (copied).
    func output(_ index: Int) throws -> (name: String, shape: [Int64], values: [Float]) {
        var out = nninfer_output()
        try check(nninfer_result_output(pointer, index, &out))
        let shape = (0..<out.rank).map { out.shape[$0] }
        let values = out.data.map { Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Float.self), count: out.element_count)) } ?? []
        return (out.name.map { String(cString: $0) } ?? "", shape, values)
    }
}

/// Calls `body` with C tensors for `(name, shape, values)` inputs; pointers live during the call.
func withTensors<R>(_ inputs: [(name: String?, shape: [Int64], values: [Float])], _ body: ([nninfer_tensor]) throws -> R) rethrows -> R {
    var tensors: [nninfer_tensor] = []
    var keep: [AnyObject] = []
    for input in inputs {
        let name = input.name.map { NameBox($0) }
        let shape = ArrayBox(input.shape)
        let values = ArrayBox(input.values)
        keep += [shape, values] + (name.map { [$0] } ?? [])
        tensors.append(nninfer_tensor(
            name: name.map { UnsafePointer($0.pointer) }, type: float32, rank: input.shape.count,
            shape: shape.pointer, data: UnsafeRawPointer(values.pointer), byte_size: input.values.count * 4))
    }
    return try withExtendedLifetime(keep) { try body(tensors) }
}

/// Stable memory holding a copy of an array.
final class ArrayBox<T> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int
    init(_ values: [T]) {
        count = values.count
        pointer = .allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
    }
    deinit { pointer.deinitialize(count: count); pointer.deallocate() }
}

/// A stable NUL-terminated copy of a string.
final class NameBox {
    let pointer: UnsafeMutablePointer<CChar>
    init(_ text: String) {
        let utf8 = Array(text.utf8CString)
        pointer = .allocate(capacity: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
    }
    deinit { pointer.deallocate() }
}
