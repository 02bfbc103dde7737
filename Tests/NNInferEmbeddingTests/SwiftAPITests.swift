import Dispatch
import Foundation
import NNFormat
import NNRuntime
import Synchronization
import Testing

/// The Swift embedding API: every way to run gives the same outputs, one session serves many
/// threads and tasks, caller buffers are reused, and errors are typed.
@Suite struct SwiftAPITests {
    let session: InferenceSession
    /// Serial reference outputs of images 0..<8.
    let expected: [[Float]]

    init() throws {
        session = try InferenceSession(model: try Models.classifier(), options: SessionOptions(threads: 2))
        var serial: [[Float]] = []
        for i in 0..<8 {
            let out = try session.run(["input": Tensor(shape: [1, 3, 8, 8], floats: Models.image(i))])
            serial.append(try #require(out["logits"]?.floats))
        }
        expected = serial
    }

    /// Runs image `i` through the API numbered `way` (0...4) and returns the logits.
    func logits(_ i: Int, way: Int) throws -> [Float] {
        let pixels = Models.image(i)
        let shape = [1, 3, 8, 8]
        switch way % 5 {
        case 0:
            return try session.run(["input": Tensor(shape: shape, floats: pixels)])["logits"]?.floats ?? []
        case 1:
            return try session.run([Tensor(shape: shape, floats: pixels)]).first?.floats ?? []
        case 2:
            var out = [Float](repeating: .nan, count: 10)
            try pixels.withUnsafeBytes { input in
                try out.withUnsafeMutableBytes { output in
                    try session.run(inputs: [.init(shape: shape, bytes: input)], outputs: [output])
                }
            }
            return out
        case 3:
            return try pixels.withUnsafeBytes { input in
                try session.run(inputs: [.init(shape: shape, bytes: input)]) { views in Array(views[0].floats ?? .init(start: nil, count: 0)) }
            }
        default:
            var out = [Float](repeating: .nan, count: 10)
            try pixels.withUnsafeBytes { input in
                try out.withUnsafeMutableBytes { output in
                    let shapes = try session.run(inputs: ["input": .init(shape: shape, bytes: input)], outputs: ["logits": output])
                    #expect(shapes == ["logits": [1, 10]])
                }
            }
            return out
        }
    }

    @Test func everyRunAPIGivesTheSameOutputs() throws {
        for way in 0..<5 {
            #expect(try logits(3, way: way) == expected[3], "API \(way)")
        }
    }

    @Test func oneSessionServesManyThreads() throws {
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 200) { n in
            let image = n % 8
            do {
                let got = try logits(image, way: n)
                if got != expected[image] { failures.withLock { $0.append("run \(n): image \(image) API \(n % 5) differs") } }
            } catch {
                failures.withLock { $0.append("run \(n): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
    }

    @Test func manyShapesAtOnce() throws {
        // Batches of 1, 2 and 3 compile different plans while other threads run.
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 60) { n in
            let batch = 1 + n % 3
            let pixels = (0..<batch).flatMap { Models.image(($0 + n) % 8) }
            do {
                let out = try session.run([Tensor(shape: [batch, 3, 8, 8], floats: pixels)])
                let values = out.first?.floats ?? []
                for row in 0..<batch {
                    let want = expected[(row + n) % 8]
                    let got = Array(values[(row * 10)..<(row * 10 + 10)])
                    if zip(got, want).contains(where: { abs($0 - $1) > 1e-5 }) {
                        failures.withLock { $0.append("run \(n) batch \(batch) row \(row): \(got) vs \(want)") }
                    }
                }
            } catch {
                failures.withLock { $0.append("run \(n): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
    }

    @Test func runsInBackgroundFromManyTasks() async throws {
        let session = self.session
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for n in 0..<64 {
                group.addTask {
                    let out = try await session.runInBackground(["input": Tensor(shape: [1, 3, 8, 8], floats: Models.image(n % 8))])
                    return (n, out["logits"]?.floats ?? [])
                }
            }
            var all: [(Int, [Float])] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 64)
        for (n, got) in results { #expect(got == expected[n % 8], "task \(n)") }
        let ordered = try await session.runInBackground([Tensor(shape: [1, 3, 8, 8], floats: Models.image(5))])
        #expect(ordered.first?.floats == expected[5])
    }

    @Test func backgroundRunsThrowTypedErrors() async {
        do {
            _ = try await session.runInBackground(["nope": Tensor(shape: [1], floats: [0])])
            Issue.record("no error")
        } catch {
            guard case .invalidInput(let name, _) = error else { Issue.record("\(error)"); return }
            #expect(name == "nope")
        }
    }

    @Test func callerBuffersAreReusedRunAfterRun() throws {
        var input = [Float](repeating: 0, count: Models.classifierInputCount)
        var output = [Float](repeating: .nan, count: 10)
        for n in 0..<24 {
            let image = (n * 5) % 8
            // The same input buffer, overwritten in place; the same output buffer, overwritten by the run.
            input.withUnsafeMutableBufferPointer { buffer in
                for (i, v) in Models.image(image).enumerated() { buffer[i] = v }
            }
            try input.withUnsafeBytes { inBytes in
                try output.withUnsafeMutableBytes { outBytes in
                    try session.run(inputs: [.init(shape: [1, 3, 8, 8], bytes: inBytes)], outputs: [outBytes])
                }
            }
            #expect(output == expected[image], "run \(n)")
        }
    }

    @Test func namedBuffersCopyOnlyTheOutputsAsked() throws {
        let session = try InferenceSession(model: Models.twoInputs())
        let a: [Float] = [-1, 2, -3, 4, 5, -6, 7, -8]
        let b: [Float] = [10, 20, 30, 40, 50, 60, 70, 80]
        var positive = [Float](repeating: .nan, count: 8)
        let shapes = try a.withUnsafeBytes { ab in
            try b.withUnsafeBytes { bb in
                try positive.withUnsafeMutableBytes { out in
                    try session.run(inputs: ["b": .init(shape: [2, 4], bytes: bb), "a": .init(shape: [2, 4], bytes: ab)],
                                    outputs: ["positive": out])
                }
            }
        }
        #expect(positive == [0, 2, 0, 4, 5, 0, 7, 0])
        #expect(shapes == ["sum": [2, 4], "positive": [2, 4]])

        // A too-small buffer: an error naming the output, and nothing written.
        var small = [Float](repeating: 42, count: 7)
        #expect(throws: RuntimeError.self) {
            try a.withUnsafeBytes { ab in
                try b.withUnsafeBytes { bb in
                    try small.withUnsafeMutableBytes { out in
                        try session.run(inputs: ["a": .init(shape: [2, 4], bytes: ab), "b": .init(shape: [2, 4], bytes: bb)],
                                        outputs: ["sum": out])
                    }
                }
            }
        }
        #expect(small == [Float](repeating: 42, count: 7))
    }

    @Test func borrowedOutputsFollowInt64Values() throws {
        let session = try InferenceSession(model: Models.int64Input())
        let x: [Float] = [1, 2, 3, 4, 5, 6]
        for target in [[2, 3] as [Int64], [6, 1], [1, 6]] {
            let (shape, values) = try x.withUnsafeBytes { xb in
                try target.withUnsafeBytes { sb in
                    try session.run(inputs: [.init(shape: [3, 2], bytes: xb), .init(elementType: .int64, shape: [2], bytes: sb)]) { views in
                        (views[0].shape, views[0].tensor.floats ?? [])
                    }
                }
            }
            #expect(shape == target.map { Int($0) })
            #expect(values == x)
        }
    }

    @Test func errorsAreTyped() throws {
        #expect(throws: RuntimeError.invalidInput(name: "nope", detail: "the model has no such input (inputs: input)")) {
            try session.run(["nope": Tensor(shape: [1], floats: [0])])
        }
        do {
            _ = try session.run(["input": Tensor(shape: [1, 3, 8, 9], floats: [Float](repeating: 0, count: 216))])
            Issue.record("no error")
        } catch {
            guard case .invalidInput(name: "input", _) = error else { Issue.record("\(error)"); return }
        }
        do {
            _ = try InferenceSession(model: Models.unsupported())
            Issue.record("no error")
        } catch {
            guard case .unsupported(let nodes) = error else { Issue.record("\(error)"); return }
            #expect(nodes.map(\.node) == ["mystery"])
        }
        do {
            _ = try InferenceSession(bytes: [0xFF, 0xFF, 0xFF, 0x01, 0x02])
            Issue.record("no error")
        } catch {
            guard case .format = error else { Issue.record("\(error)"); return }
        }
        // Hostile buffer shapes are errors, not traps.
        let bytes = [Float](repeating: 0, count: 4)
        bytes.withUnsafeBytes { raw in
            for shape in [[-1, 3, 8, 8], [Int.max, 3, 8, 8], [1 << 40, 3, 1 << 30, 8], [0, 3, 8, 8]] {
                #expect(throws: RuntimeError.self) {
                    try session.run(inputs: [.init(shape: shape, bytes: raw)]) { _ in () }
                }
            }
        }
    }

    @Test func conveniences() throws {
        #expect(session.input(named: "input")?.shape == [.symbol("N"), .value(3), .value(8), .value(8)])
        #expect(session.output(named: "logits")?.elementType == .float)
        #expect(session.input(named: "logits") == nil)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nninfer-embedding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("classifier.onnx")
        try ModelWriter.write(try Models.classifier(), to: url.path)
        let fromURL = try InferenceSession(contentsOf: url)
        #expect(try fromURL.run(["input": Tensor(shape: [1, 3, 8, 8], floats: Models.image(2))])["logits"]?.floats == expected[2])
        #expect(throws: RuntimeError.format(.unreadable(source: "https://example.com/m.onnx", reason: "not a file URL"))) {
            try InferenceSession(contentsOf: try #require(URL(string: "https://example.com/m.onnx")))
        }
    }

    @Test func topK() {
        let t = Tensor(shape: [2, 4], floats: [0.1, 0.9, 0.9, .nan, 5, -1, 3, 4])
        #expect(t.topK(3).map(\.index) == [1, 2, 0])
        #expect(t.topK(10).map(\.index) == [1, 2, 0, 3])
        #expect(t.topK(2, row: 1).map(\.index) == [0, 3])
        #expect(t.topK(2, row: 1).map(\.value) == [5, 4])
        #expect(t.topK(2, row: 2).isEmpty)
        #expect(t.topK(0).isEmpty)
        #expect(Tensor(shape: [3], int64s: [1, 2, 3]).topK(1).isEmpty)
        #expect(Tensor(shape: [3], floats: [1, 3, 2]).topK(1).first?.index == 1)
    }
}

/// The code of the Getting Started article, compiled and run on the test classifier.
@Suite struct DocumentationExamples {
    @Test func gettingStarted() async throws {
        let session = try InferenceSession(model: try Models.classifier(), options: SessionOptions(threads: 4))
        for input in session.inputs { _ = (input.name, input.elementType, input.shape) }
        let logitsName = session.outputs[0].name
        let pixels = Models.image(0)
        let image = Tensor(shape: [1, 3, 8, 8], floats: pixels)
        let outputs = try session.run(["input": image])

        var caught = ""
        do throws(RuntimeError) {
            _ = try session.run(["image": image])
        } catch .invalidInput(let name, let detail) {
            caught = "bad input \(name): \(detail)"
        } catch {
            caught = "\(error)"
        }
        #expect(caught.hasPrefix("bad input image"))

        let background = try await session.runInBackground(["input": image])
        #expect(background == outputs)

        let labels = try ModelMetadata(from: session.model).labels ?? []
        var printed: [String] = []
        if let logits = outputs[logitsName] {
            for (index, score) in logits.topK(5) {
                printed.append("\(index < labels.count ? labels[index] : "class \(index)") \(score)")
            }
        }
        #expect(printed.count == 5)

        var logits = [Float](repeating: 0, count: 10)
        let shapes = try pixels.withUnsafeBytes { input in
            try logits.withUnsafeMutableBytes { output in
                try session.run(inputs: ["input": .init(shape: [1, 3, 8, 8], bytes: input)],
                                outputs: ["logits": output])
            }
        }
        #expect(logits == outputs["logits"]?.floats)
        #expect(shapes == ["logits": [1, 10]])

        let best = try pixels.withUnsafeBytes { input in
            try session.run(inputs: [.init(shape: [1, 3, 8, 8], bytes: input)]) { outputs in
                outputs[0].floats.flatMap { scores in scores.indices.max { scores[$0] < scores[$1] } }
            }
        }
        #expect(best == outputs["logits"]?.topK(1).first?.index)

        let report = session.report
        #expect(report.evalSemantics.isEmpty)
        #expect(report.rewrites.contains { $0.pass == "FoldChannelAffineIntoProducer" })
        #expect(report.rewrites.contains { $0.pass == "RemoveDropout" })
    }
}
