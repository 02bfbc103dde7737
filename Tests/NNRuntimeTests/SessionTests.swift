import CAllocationCounter
import Foundation
import NNFormat
import Testing
@testable import NNRuntime

@Suite struct SessionTests {
    /// A one-node model: x (N, C, 4, 4) → op → y.
    func singleNodeModel(_ node: Node, channels: Int = 3, initializers: [TensorData] = [], opset: Int64 = 17, extraInputs: [ValueInfo] = []) -> Model {
        let shape: [NNFormat.Dimension] = [.symbol("N"), .value(channels), .value(4), .value(4)]
        let graph = Graph(name: "g", nodes: [node], initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: .float, shape: shape)] + extraInputs,
                          outputs: [ValueInfo(name: "y", elementType: .float, shape: shape)])
        return Model(opsetImports: [OpsetID(version: opset)], graph: graph)
    }

    @Test func batchNormInTrainingModeStillUsesRunningStatistics() throws {
        let c = 3
        let params = [
            TensorData(name: "s", dims: [c], floats: [1, 2, 0.5]), TensorData(name: "b", dims: [c], floats: [0, 1, -1]),
            TensorData(name: "m", dims: [c], floats: [0.5, -1, 2]), TensorData(name: "v", dims: [c], floats: [1, 4, 0.25]),
        ]
        let node = Node(name: "bn", opType: "BatchNormalization", inputs: ["x", "s", "b", "m", "v"], outputs: ["y"], attributes: ["training_mode": .int(1), "epsilon": .float(0)])
        for optimize in [false, true] {
            let session = try InferenceSession(model: singleNodeModel(node, initializers: params), options: SessionOptions(threads: 1, optimize: optimize))
            #expect(session.report.evalSemantics.contains { $0.hasPrefix("bn:") && $0.contains("running statistics used") })
            let x = randomInput(session, batch: 2)
            let y = try #require(try session.run([x])[0].floats)
            let xs = try #require(x.floats)
            for i in 0..<xs.count {
                let ch = (i / 16) % c
                let s: [Float] = [1, 2, 0.5], b: [Float] = [0, 1, -1], m: [Float] = [0.5, -1, 2], v: [Float] = [1, 4, 0.25]
                let expected = (xs[i] - m[ch]) / v[ch].squareRoot() * s[ch] + b[ch]
                #expect(abs(y[i] - expected) <= 1e-5 * max(1, abs(expected)))
            }
        }
    }

    @Test func dropoutWithTrainingModeIsTheIdentity() throws {
        let node = Node(name: "drop", opType: "Dropout", inputs: ["x", "r", "t"], outputs: ["y"])
        let initializers = [TensorData(name: "r", elementType: .float, dims: [], storage: .float([0.5])),
                            TensorData(name: "t", elementType: .bool, dims: [], storage: .raw([1]))]
        let session = try InferenceSession(model: singleNodeModel(node, initializers: initializers), options: SessionOptions(threads: 1))
        #expect(session.report.evalSemantics.contains { $0.contains("drop") && $0.contains("identity") })
        let x = randomInput(session, batch: 3)
        #expect(try session.run([x])[0] == x)
    }

    @Test func unsupportedOperatorsAreReportedTogether() throws {
        var graph = Graph(name: "g")
        graph.inputs = [ValueInfo(name: "x", elementType: .float, shape: [.value(2)])]
        graph.nodes = [
            Node(name: "first", opType: "NoSuchOp", inputs: ["x"], outputs: ["a"]),
            Node(name: "second", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            Node(name: "third", opType: "Conv", domain: "com.example", inputs: ["b"], outputs: ["y"]),
        ]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        #expect {
            try InferenceSession(model: Model(graph: graph))
        } throws: { error in
            guard case RuntimeError.unsupported(let nodes) = error else { return false }
            return nodes.map(\.node) == ["first", "third"] && "\(error)".contains("NoSuchOp")
        }
    }

    @Test func symbolicBatchRunsAtAnySize() throws {
        let session = try InferenceSession(model: try Nets.placement(bnAfterReLU: true), options: SessionOptions(threads: 2))
        let x3 = randomInput(session, batch: 3, seed: 5)
        let y3 = try #require(try session.run([x3])[0].floats)
        let xs = try #require(x3.floats)
        let per = xs.count / 3
        for b in 0..<3 {
            let one = Tensor(shape: [1, 1, 12, 12], floats: Array(xs[(b * per)..<((b + 1) * per)]))
            let y1 = try #require(try session.run([one])[0].floats)
            #expect(toleranceRatio(y1, Array(y3[(b * 10)..<((b + 1) * 10)])) <= 1)
        }
    }

    @Test func wrongInputsAreClearErrors() throws {
        let session = try InferenceSession(model: try Nets.placement(bnAfterReLU: false))
        #expect(throws: RuntimeError.self) { try session.run(["nope": Tensor(shape: [1], floats: [0])]) }
        #expect {
            try session.run([Tensor(shape: [1, 1, 5, 12], floats: Array(repeating: 0, count: 60))])
        } throws: { "\($0)".contains("expected shape") }
        #expect {
            try session.run([Tensor(shape: [1, 1, 12, 12], floats: [1, 2])])
        } throws: { "\($0)".contains("needs 144 values") }
    }

    @Test func concurrentRunsOnOneSessionMatchSerialRuns() async throws {
        let session = try InferenceSession(model: try Nets.randomChain(seed: 5), options: SessionOptions(threads: 2))
        let inputs = (0..<16).map { randomInput(session, batch: 1 + $0 % 3, seed: UInt64($0)) }
        let serial = try inputs.map { try session.run([$0])[0] }
        let parallel = try await withThrowingTaskGroup(of: (Int, Tensor).self) { group in
            for round in 0..<4 {
                for (i, x) in inputs.enumerated() {
                    group.addTask { (i + round * 0, try session.run([x])[0]) }
                }
            }
            var results: [(Int, Tensor)] = []
            for try await r in group { results.append(r) }
            return results
        }
        #expect(parallel.count == 64)
        for (i, y) in parallel { #expect(y == serial[i]) }
    }

    /// Debug builds box captured variables on the heap; the property holds for optimized code,
    /// which is what the test command runs (`swift test -c release`).
    @Test(.enabled(if: isOptimizedBuild, "allocation counts are meaningful in release builds"),
          .enabled(if: nn_allocation_counter_active() != 0, "the allocation counter is off (sanitizer build)"), arguments: [1, 2])
    func steadyStateRunsAllocateNothing(threads: Int) throws {
        let session = try InferenceSession(model: try Nets.placement(bnAfterReLU: true), options: SessionOptions(threads: threads))
        let x = randomInput(session, batch: 4)
        let xs = try #require(x.floats)
        var y = [Float](repeating: 0, count: 40)
        try xs.withUnsafeBytes { inputBytes in
          try y.withUnsafeMutableBytes { out in
            let input = [InferenceSession.InputBuffer(shape: x.shape, bytes: inputBytes)]
            let outputs = [out]
            for _ in 0..<3 { try session.run(inputs: input, outputs: outputs) }  // warm-up: plan, arena
            nn_allocation_counting(1)
            let before = nn_allocation_count()
            for _ in 0..<50 { try session.run(inputs: input, outputs: outputs) }
            let allocations = nn_allocation_count() - before
            nn_allocation_counting(0)
            #expect(allocations == 0, "\(allocations) heap allocations in 50 runs with \(threads) thread(s)")
          }
        }
        #expect(y == (try session.run([x])[0].floats ?? []))
    }
}

#if DEBUG
let isOptimizedBuild = false
#else
let isOptimizedBuild = true
#endif

@Test func anEmptyBatchGivesEmptyOutputs() throws {
    let session = try InferenceSession(model: try Nets.randomChain(seed: 3), options: SessionOptions(threads: 2))
    let x = Tensor(shape: [0] + session.inputs[0].shape.dropFirst().map { d -> Int in if case .value(let v) = d { return v } else { return 1 } }, floats: [])
    let y = try session.run([x])
    #expect(y[0].shape.first == 0)
    #expect(y[0].floats?.isEmpty == true)
}
