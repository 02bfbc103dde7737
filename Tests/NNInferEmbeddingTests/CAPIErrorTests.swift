import CNNInferAPI
import Dispatch
import Foundation
import NNFormat
@testable import NNInferC
import NNRuntime
import Synchronization
import Testing

/// Every error path of the C API: a status code and a message, never a crash, and out-parameters
/// left alone.
@Suite struct CAPIErrorTests {
    let session: CSession

    init() throws { session = try CSession(try Models.classifier()) }

    /// Expects `status` from `call`, and a last-error message containing every fragment.
    func expectFailure(
        _ status: nninfer_status, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
        _ call: () -> nninfer_status
    ) {
        let got = call()
        let message = lastError()
        #expect(got == status, "message: \(message)", sourceLocation: sourceLocation)
        #expect(!message.isEmpty, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(message.contains(fragment), "'\(message)' lacks '\(fragment)'", sourceLocation: sourceLocation)
        }
    }

    /// A run of the classifier with one tensor altered by `change`, through nninfer_session_run.
    func run(_ change: (inout nninfer_tensor) -> Void, count: Int = 1) -> nninfer_status {
        let values = ArrayBox(Models.image(0))
        let shape = ArrayBox<Int64>([1, 3, 8, 8])
        let name = NameBox("input")
        var tensor = nninfer_tensor(
            name: UnsafePointer(name.pointer), type: float32, rank: 4, shape: shape.pointer,
            data: UnsafeRawPointer(values.pointer), byte_size: 192 * 4)
        change(&tensor)
        guard let result = try? CResult() else { return -1 }
        return withExtendedLifetime((values, shape, name)) {
            withUnsafePointer(to: tensor) { nninfer_session_run(session.pointer, $0, count, result.pointer) }
        }
    }

    @Test func creationFromFile() throws {
        var s: OpaquePointer? = OpaquePointer(bitPattern: 0x1234)
        expectFailure(S.invalidArgument, "path is NULL") { nninfer_session_create_from_file(nil, nil, &s) }
        expectFailure(S.invalidArgument, "out_session is NULL") { nninfer_session_create_from_file("/tmp/x.onnx", nil, nil) }
        expectFailure(S.file, "/no/such/model.onnx") { nninfer_session_create_from_file("/no/such/model.onnx", nil, &s) }
        expectFailure(S.file) { nninfer_session_create_from_file("/tmp", nil, &s) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nninfer-capi-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let corrupt = directory.appendingPathComponent("corrupt.onnx").path
        var bytes = try ModelWriter.serialize(try Models.classifier())
        bytes.removeLast(bytes.count / 2)
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
        expectFailure(S.invalidModel, "corrupt.onnx") { nninfer_session_create_from_file(corrupt, nil, &s) }

        var options = nninfer_session_options(threads: -2, optimize: 1)
        expectFailure(S.invalidArgument, "threads") { nninfer_session_create_from_file(corrupt, &options, &s) }
        // Failed calls leave the out-parameter alone.
        #expect(s == OpaquePointer(bitPattern: 0x1234))
    }

    @Test func creationFromMemory() throws {
        var s: OpaquePointer?
        expectFailure(S.invalidArgument, "data is NULL") { nninfer_session_create_from_memory(nil, 10, nil, &s) }
        expectFailure(S.invalidModel) { nninfer_session_create_from_memory(nil, 0, nil, &s) }
        let junk: [UInt8] = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]
        expectFailure(S.invalidModel) { junk.withUnsafeBytes { nninfer_session_create_from_memory($0.baseAddress, $0.count, nil, &s) } }
        // Sizes no buffer can have are refused before anything is read.
        expectFailure(S.invalidModel, "limit") { junk.withUnsafeBytes { nninfer_session_create_from_memory($0.baseAddress, 1 << 40, nil, &s) } }
        expectFailure(S.invalidArgument, "too large") { junk.withUnsafeBytes { nninfer_session_create_from_memory($0.baseAddress, -1, nil, &s) } }
        let unsupported = try ModelWriter.serialize(Models.unsupported())
        expectFailure(S.unsupported, "mystery", "NoSuchOperator") {
            unsupported.withUnsafeBytes { nninfer_session_create_from_memory($0.baseAddress, $0.count, nil, &s) }
        }
        let good = try ModelWriter.serialize(try Models.classifier())
        expectFailure(S.invalidArgument, "out_session") { good.withUnsafeBytes { nninfer_session_create_from_memory($0.baseAddress, $0.count, nil, nil) } }
        #expect(s == nil)
    }

    @Test func queries() throws {
        var count = 0
        var info = nninfer_io_info()
        var index = 0
        var value: UnsafePointer<CChar>?
        expectFailure(S.invalidArgument, "session is NULL") { nninfer_session_input_count(nil, &count) }
        expectFailure(S.invalidArgument, "out_count") { nninfer_session_output_count(session.pointer, nil) }
        expectFailure(S.invalidArgument, "out of range") { nninfer_session_input_info(session.pointer, 1, &info) }
        expectFailure(S.invalidArgument, "out of range") { nninfer_session_output_info(session.pointer, -1, &info) }
        expectFailure(S.invalidArgument, "out_info") { nninfer_session_output_info(session.pointer, 0, nil) }
        expectFailure(S.invalidArgument, "no input named 'logits'") { nninfer_session_find_input(session.pointer, "logits", &index) }
        expectFailure(S.invalidArgument, "name is NULL") { nninfer_session_find_output(session.pointer, nil, &index) }
        expectFailure(S.invalidArgument, "key is NULL") { nninfer_session_metadata(session.pointer, nil, &value) }
        expectFailure(S.invalidArgument, "out_value") { nninfer_session_metadata(session.pointer, "k", nil) }
        // A result where a session belongs, and the other way round.
        let result = try CResult()
        expectFailure(S.invalidArgument, "not a session") { nninfer_session_input_count(result.pointer, &count) }
        expectFailure(S.invalidArgument, "not a result") { nninfer_result_output_count(session.pointer, &count) }
        // Releasing NULL does nothing; options_init(NULL) does nothing.
        nninfer_session_release(nil)
        nninfer_result_release(nil)
        nninfer_session_options_init(nil)
    }

    @Test func runArguments() throws {
        let result = try CResult()
        expectFailure(S.invalidArgument, "session is NULL") { nninfer_session_run(nil, nil, 0, result.pointer) }
        expectFailure(S.invalidArgument, "result is NULL") { nninfer_session_run(session.pointer, nil, 0, nil) }
        expectFailure(S.invalidArgument, "inputs is NULL") { nninfer_session_run(session.pointer, nil, 1, result.pointer) }
        expectFailure(S.invalidInput, "'input' is missing") { nninfer_session_run(session.pointer, nil, 0, result.pointer) }
        expectFailure(S.invalidArgument, "shape is NULL") { run { $0.shape = nil } }
        expectFailure(S.invalidArgument, "data is NULL") { run { $0.data = nil } }
        expectFailure(S.invalidArgument, "element type 3") { run { $0.type = 3 } }
        expectFailure(S.invalidArgument, "rank 65") { run { $0.rank = 65 } }
        expectFailure(S.invalidArgument, "too large") { run { $0.byte_size = Int(bitPattern: UInt.max) } }
        expectFailure(S.invalidArgument, "aligned") { run { $0.data = $0.data.map { $0 + 2 }; $0.byte_size = 192 * 4 } }
    }

    @Test func wrongInputs() throws {
        let image = NameBox("image")
        expectFailure(S.invalidInput, "'image'", "no such input", "inputs: input") { run { $0.name = UnsafePointer(image.pointer) } }
        expectFailure(S.invalidInput, "has no name", "only 1 input") {
            // Two unnamed tensors for a one-input model (the second reads the same struct twice).
            let values = ArrayBox(Models.image(0))
            let shape = ArrayBox<Int64>([1, 3, 8, 8])
            let t = nninfer_tensor(name: nil, type: float32, rank: 4, shape: shape.pointer, data: UnsafeRawPointer(values.pointer), byte_size: 768)
            guard let result = try? CResult() else { return -1 }
            return withExtendedLifetime((values, shape)) { [t, t].withUnsafeBufferPointer { nninfer_session_run(session.pointer, $0.baseAddress, 2, result.pointer) } }
        }
        expectFailure(S.invalidInput, "given twice") {
            let values = ArrayBox(Models.image(0))
            let shape = ArrayBox<Int64>([1, 3, 8, 8])
            let name = NameBox("input")
            let named = nninfer_tensor(name: UnsafePointer(name.pointer), type: float32, rank: 4, shape: shape.pointer, data: UnsafeRawPointer(values.pointer), byte_size: 768)
            var unnamed = named
            unnamed.name = nil
            guard let result = try? CResult() else { return -1 }
            return withExtendedLifetime((values, shape, name)) {
                [unnamed, named].withUnsafeBufferPointer { nninfer_session_run(session.pointer, $0.baseAddress, 2, result.pointer) }
            }
        }
        expectFailure(S.invalidInput, "expected float, got int64") { run { $0.type = int64; $0.byte_size = 192 * 8 } }
        expectFailure(S.invalidInput, "expected rank 4") { run { $0.rank = 3; $0.byte_size = 96 } }
        let wrong = ArrayBox<Int64>([1, 3, 8, 9])
        expectFailure(S.invalidInput, "expected shape") { run { $0.shape = UnsafePointer(wrong.pointer); $0.byte_size = 216 * 4 } }
        let negative = ArrayBox<Int64>([-1, 3, 8, 8])
        expectFailure(S.invalidInput, "dimension 0 is -1") { run { $0.shape = UnsafePointer(negative.pointer) } }
        let huge = ArrayBox<Int64>([Int64.max, 3, 8, 8])
        expectFailure(S.invalidInput, "too many elements") { run { $0.shape = UnsafePointer(huge.pointer) } }
        let big = ArrayBox<Int64>([1 << 40, 3, 8, 8])
        expectFailure(S.invalidInput, "byte_size") { run { $0.shape = UnsafePointer(big.pointer) } }
        expectFailure(S.invalidInput, "byte_size is 764") { run { $0.byte_size = 764 } }
        withExtendedLifetime((image, wrong, negative, huge, big)) {}
    }

    @Test func emptyFloatInputsAreRefused() throws {
        // A zero batch is an error, not a division by zero in a kernel.
        let result = try CResult()
        expectFailure(S.invalidInput, "is empty") {
            withTensors([("input", [0, 3, 8, 8], [])]) { nninfer_session_run(session.pointer, $0, 1, result.pointer) }
        }
    }

    @Test func shapeErrorsAtPlanTime() throws {
        let reshape = try CSession(Models.int64Input())
        let x = ArrayBox<Float>([1, 2, 3, 4, 5, 6])
        let xShape = ArrayBox<Int64>([3, 2])
        let target = ArrayBox<Int64>([5, 5])
        let targetShape = ArrayBox<Int64>([2])
        let tensors = [
            nninfer_tensor(name: nil, type: float32, rank: 2, shape: xShape.pointer, data: UnsafeRawPointer(x.pointer), byte_size: 24),
            nninfer_tensor(name: nil, type: int64, rank: 1, shape: targetShape.pointer, data: UnsafeRawPointer(target.pointer), byte_size: 16),
        ]
        let result = try CResult()
        let status = nninfer_session_run(reshape.pointer, tensors, 2, result.pointer)
        #expect(status == S.shape || status == S.invalidModel, "\(status): \(lastError())")
        #expect(lastError().contains("reshape"))
        var count = -1
        try check(nninfer_result_output_count(result.pointer, &count))
        #expect(count == 0)
    }

    @Test func resultAccess() throws {
        let result = try CResult()
        var out = nninfer_output()
        var count = 0
        expectFailure(S.invalidArgument, "out of range", "holds 0") { nninfer_result_output(result.pointer, 0, &out) }
        try withTensors([("input", [1, 3, 8, 8], Models.image(0))]) { tensors in
            try check(nninfer_session_run(session.pointer, tensors, 1, result.pointer))
        }
        expectFailure(S.invalidArgument, "out of range") { nninfer_result_output(result.pointer, 1, &out) }
        expectFailure(S.invalidArgument, "out_output") { nninfer_result_output(result.pointer, 0, nil) }
        expectFailure(S.invalidArgument, "no output named 'input'") { nninfer_result_find_output(result.pointer, "input", &out) }
        expectFailure(S.invalidArgument, "result is NULL") { nninfer_result_output_count(nil, &count) }
        expectFailure(S.invalidArgument, "out_result") { nninfer_result_create(nil) }
        try check(nninfer_result_output_count(result.pointer, &count))
        #expect(count == 1)
        // A failed run leaves the result empty rather than holding stale outputs.
        expectFailure(S.invalidInput, "missing") { nninfer_session_run(session.pointer, nil, 0, result.pointer) }
        try check(nninfer_result_output_count(result.pointer, &count))
        #expect(count == 0)
    }

    @Test func outputBuffers() throws {
        var values = [Float](repeating: 42, count: 10)
        var dims = [Int64](repeating: 7, count: 2)
        func runInto(capacity: Int, shapeCapacity: Int, count: Int = 1, data: Bool = true, shape: Bool = true) -> (nninfer_status, nninfer_output_buffer) {
            values.withUnsafeMutableBytes { v in
                dims.withUnsafeMutableBufferPointer { d in
                    var out = nninfer_output_buffer(
                        data: data ? v.baseAddress : nil, byte_capacity: capacity, shape: shape ? d.baseAddress : nil,
                        shape_capacity: shapeCapacity, type: 0, rank: 0, element_count: 0, byte_size: 0)
                    let status = withTensors([("input", [1, 3, 8, 8], Models.image(0))]) { tensors in
                        nninfer_session_run_into(session.pointer, tensors, 1, &out, count)
                    }
                    return (status, out)
                }
            }
        }
        expectFailure(S.bufferTooSmall, "byte_capacity 36 < 40") { runInto(capacity: 36, shapeCapacity: 2).0 }
        let (_, reported) = runInto(capacity: 36, shapeCapacity: 2)
        #expect(reported.type == float32 && reported.rank == 2 && reported.element_count == 10 && reported.byte_size == 40)
        #expect(values == [Float](repeating: 42, count: 10) && dims == [7, 7], "nothing written")
        expectFailure(S.bufferTooSmall, "shape_capacity 1 < rank 2") { runInto(capacity: 40, shapeCapacity: 1).0 }
        expectFailure(S.invalidArgument, "output_count is 2") { runInto(capacity: 40, shapeCapacity: 2, count: 2).0 }
        expectFailure(S.invalidArgument, "data is NULL") { runInto(capacity: 40, shapeCapacity: 2, data: false).0 }
        expectFailure(S.invalidArgument, "shape is NULL") { runInto(capacity: 40, shapeCapacity: 2, shape: false).0 }
        expectFailure(S.invalidArgument, "outputs is NULL") {
            withTensors([("input", [1, 3, 8, 8], Models.image(0))]) { nninfer_session_run_into(session.pointer, $0, 1, nil, 1) }
        }
        #expect(runInto(capacity: 40, shapeCapacity: 2).0 == S.ok)
        #expect(dims == [1, 10] && values != [Float](repeating: 42, count: 10))
    }

    @Test func lastErrorIsPerThreadAndBounded() throws {
        var count = 0
        #expect(nninfer_session_input_count(nil, &count) == S.invalidArgument)
        let here = lastError()
        // Another thread's failure does not change this thread's message, and a thread that has
        // not failed sees "".
        let seenBox = Mutex<(String, String)>(("?", "?"))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let before = lastError()
            var s: OpaquePointer?
            _ = nninfer_session_create_from_file("/no/such/file.onnx", nil, &s)
            let after = lastError()
            seenBox.withLock { $0 = (before, after) }
            done.signal()
        }
        thread.start()
        done.wait()
        let seen = seenBox.withLock { $0 }
        #expect(seen.0 == "")
        #expect(seen.1.contains("/no/such/file.onnx"))
        #expect(lastError() == here)
        // Successful calls keep the message; long messages are cut, not overflowing.
        try check(nninfer_session_input_count(session.pointer, &count))
        #expect(lastError() == here)
        var index = 0
        let long = String(repeating: "é", count: 5000)
        #expect(nninfer_session_find_input(session.pointer, long, &index) == S.invalidArgument)
        let message = lastError()
        #expect(message.utf8.count < 4096 && message.hasSuffix(" [...]"))
    }
}
