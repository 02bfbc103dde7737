import CNNInferAPI
import Dispatch
import Foundation
import NNFormat
import NNRuntime
import Synchronization
import Testing

/// The C API used as a C program would: queries, runs into results and caller buffers, reuse,
/// and one session shared by many threads.
@Suite struct CAPITests {
    let session: CSession
    /// Serial reference logits (Swift API) of images 0..<8.
    let expected: [[Float]]

    init() throws {
        session = try CSession(try Models.classifier())
        let swift = try InferenceSession(model: try Models.classifier(), options: SessionOptions(threads: 2))
        expected = try (0..<8).map { i in
            try swift.run(["input": Tensor(shape: [1, 3, 8, 8], floats: Models.image(i))])["logits"]?.floats ?? []
        }
    }

    func image(_ i: Int, named: Bool = true) -> [(name: String?, shape: [Int64], values: [Float])] {
        [(named ? "input" : nil, [1, 3, 8, 8], Models.image(i))]
    }

    @Test func queries() throws {
        #expect(String(cString: nninfer_version()) == "0.1.0")
        var count = -1
        try check(nninfer_session_input_count(session.pointer, &count))
        #expect(count == 1)
        try check(nninfer_session_output_count(session.pointer, &count))
        #expect(count == 1)

        var info = nninfer_io_info()
        try check(nninfer_session_input_info(session.pointer, 0, &info))
        #expect(String(cString: try #require(info.name)) == "input")
        #expect(info.type == float32)
        #expect((0..<info.rank).map { info.shape[$0] } == [-1, 3, 8, 8])
        try check(nninfer_session_output_info(session.pointer, 0, &info))
        #expect(String(cString: try #require(info.name)) == "logits")
        #expect((0..<info.rank).map { info.shape[$0] } == [-1, 10])

        var index = -1
        try check(nninfer_session_find_input(session.pointer, "input", &index))
        #expect(index == 0)
        try check(nninfer_session_find_output(session.pointer, "logits", &index))
        #expect(index == 0)

        var value: UnsafePointer<CChar>?
        try check(nninfer_session_metadata(session.pointer, "nninfer.labels", &value))
        let labels = try JSONDecoder().decode([String].self, from: Data(String(cString: try #require(value)).utf8))
        #expect(labels.first == "class0" && labels.count == 10)
        try check(nninfer_session_metadata(session.pointer, "no.such.key", &value))
        #expect(value == nil)

        // int64 inputs report their type; symbolic output shapes are -1, unknown ranks 0.
        let reshape = try CSession(Models.int64Input())
        try check(nninfer_session_input_info(reshape.pointer, 1, &info))
        #expect(info.type == int64 && info.rank == 1 && info.shape[0] == 2)
        try check(nninfer_session_output_info(reshape.pointer, 0, &info))
        #expect(info.rank == 0)
    }

    @Test func runIntoAResultAndReuseIt() throws {
        let result = try CResult()
        var count = -1
        try check(nninfer_result_output_count(result.pointer, &count))
        #expect(count == 0)
        var firstData: UnsafeRawPointer?
        for n in 0..<16 {
            try withTensors(image(n % 8, named: n % 2 == 0)) { tensors in
                try check(nninfer_session_run(session.pointer, tensors, tensors.count, result.pointer))
            }
            let out = try result.output(0)
            #expect(out.name == "logits" && out.shape == [1, 10])
            #expect(out.values == expected[n % 8], "run \(n)")
            // The result's memory is reused: the same address run after run at one shape.
            var raw = nninfer_output()
            try check(nninfer_result_find_output(result.pointer, "logits", &raw))
            if n == 0 { firstData = raw.data } else { #expect(raw.data == firstData) }
            #expect(Int(bitPattern: raw.data) % 64 == 0)
        }
        // A larger batch grows the memory; the shape follows.
        try withTensors([("input", [3, 3, 8, 8], Models.image(0) + Models.image(1) + Models.image(2))]) { tensors in
            try check(nninfer_session_run(session.pointer, tensors, 1, result.pointer))
        }
        let batch = try result.output(0)
        #expect(batch.shape == [3, 10])
        for row in 0..<3 {
            #expect(zip(batch.values[(row * 10)..<(row * 10 + 10)], expected[row]).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
    }

    @Test func resultsOutliveTheirSession() throws {
        let result = try CResult()
        do {
            let own = try CSession(try Models.classifier())
            try withTensors(image(4)) { tensors in try check(nninfer_session_run(own.pointer, tensors, 1, result.pointer)) }
        }  // the session is released here
        let out = try result.output(0)
        #expect(out.name == "logits" && out.values == expected[4])
    }

    @Test func runIntoCallerBuffersAndReuseThem() throws {
        var values = [Float](repeating: .nan, count: 10)
        var shape = [Int64](repeating: -7, count: 4)
        for n in 0..<12 {
            try values.withUnsafeMutableBytes { data in
                try shape.withUnsafeMutableBufferPointer { dims in
                    var out = nninfer_output_buffer(
                        data: data.baseAddress, byte_capacity: data.count, shape: dims.baseAddress, shape_capacity: dims.count,
                        type: 0, rank: 0, element_count: 0, byte_size: 0)
                    try withTensors(image(n % 8)) { tensors in
                        try check(nninfer_session_run_into(session.pointer, tensors, 1, &out, 1))
                    }
                    #expect(out.type == float32 && out.rank == 2 && out.element_count == 10 && out.byte_size == 40)
                }
            }
            #expect(values == expected[n % 8], "run \(n)")
            #expect(shape[0..<2] == [1, 10])
        }
    }

    @Test func inputsBindByNameOrPosition() throws {
        let two = try CSession(Models.twoInputs())
        let a: [Float] = [-1, 2, -3, 4]
        let b: [Float] = [10, 20, 30, 40]
        let result = try CResult()
        for inputs in [
            [("a", [1, 4], a), ("b", [1, 4], b)],
            [("b", [1, 4], b), ("a", [1, 4], a)],
            [(nil, [1, 4], a), (nil, [1, 4], b)],
            [(nil, [1, 4], a), ("b", [1, 4], b)],
        ] as [[(name: String?, shape: [Int64], values: [Float])]] {
            try withTensors(inputs) { tensors in try check(nninfer_session_run(two.pointer, tensors, tensors.count, result.pointer)) }
            #expect(try result.output(0).values == [9, 22, 27, 44])
            #expect(try result.output(1).values == [0, 2, 0, 4])
            var out = nninfer_output()
            try check(nninfer_result_find_output(result.pointer, "positive", &out))
            #expect(String(cString: try #require(out.name)) == "positive")
        }
    }

    @Test func int64Inputs() throws {
        let reshape = try CSession(Models.int64Input())
        let x = ArrayBox<Float>([1, 2, 3, 4, 5, 6])
        let xShape = ArrayBox<Int64>([3, 2])
        let target = ArrayBox<Int64>([2, 3])
        let targetShape = ArrayBox<Int64>([2])
        let tensors = [
            nninfer_tensor(name: nil, type: float32, rank: 2, shape: xShape.pointer, data: UnsafeRawPointer(x.pointer), byte_size: 24),
            nninfer_tensor(name: nil, type: int64, rank: 1, shape: targetShape.pointer, data: UnsafeRawPointer(target.pointer), byte_size: 16),
        ]
        let result = try CResult()
        try check(nninfer_session_run(reshape.pointer, tensors, 2, result.pointer))
        let out = try result.output(0)
        #expect(out.shape == [2, 3] && out.values == [1, 2, 3, 4, 5, 6])
    }

    @Test func oneSessionManyThreads() throws {
        let failures = Mutex<[String]>([])
        let session = self.session  // CSession is @unchecked Sendable: the C session is thread-safe
        let expected = self.expected
        // Each thread has its own result (results are per thread); the session is shared.
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            do {
                let result = try CResult()
                var buffer = [Float](repeating: .nan, count: 10)
                for n in 0..<40 {
                    let i = (thread + n) % 8
                    try withTensors([(n % 3 == 0 ? nil : "input", [1, 3, 8, 8], Models.image(i))]) { tensors in
                        if n % 2 == 0 {
                            try check(nninfer_session_run(session.pointer, tensors, 1, result.pointer))
                            let got = try result.output(0).values
                            if got != expected[i] { failures.withLock { $0.append("thread \(thread) run \(n): result differs") } }
                        } else {
                            try buffer.withUnsafeMutableBytes { data in
                                // No shape array: the shape is not wanted (the rank is still reported).
                                var out = nninfer_output_buffer(
                                    data: data.baseAddress, byte_capacity: data.count, shape: nil, shape_capacity: 0,
                                    type: 0, rank: 0, element_count: 0, byte_size: 0)
                                try check(nninfer_session_run_into(session.pointer, tensors, 1, &out, 1))
                                if out.rank != 2 { failures.withLock { $0.append("thread \(thread) run \(n): rank \(out.rank)") } }
                            }
                            if buffer != expected[i] { failures.withLock { $0.append("thread \(thread) run \(n): run_into differs") } }
                        }
                    }
                }
            } catch {
                failures.withLock { $0.append("thread \(thread): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
    }

    @Test func createFromFileWithOptions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nninfer-capi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("classifier.onnx").path
        try ModelWriter.write(try Models.classifier(), to: path)
        for (threads, optimize) in [(0, 1), (1, 0), (3, 1)] as [(Int32, Int32)] {
            var options = nninfer_session_options(threads: threads, optimize: optimize)
            var s: OpaquePointer?
            try check(nninfer_session_create_from_file(path, &options, &s))
            defer { nninfer_session_release(s) }
            let result = try CResult()
            try withTensors(image(6)) { tensors in try check(nninfer_session_run(s, tensors, 1, result.pointer)) }
            #expect(zip(try result.output(0).values, expected[6]).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
        var s: OpaquePointer?
        try check(nninfer_session_create_from_file(path, nil, &s))
        nninfer_session_release(s)
    }
}
