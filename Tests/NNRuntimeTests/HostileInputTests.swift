import Foundation
import NNFormat
import Testing
@testable import NNRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Hostile graphs through session creation: every one is a typed error (or a working session for
/// legal edge cases such as zero-size dims), quickly, without allocating what it declares.
@Suite struct HostileInputTests {
    static func model(_ nodes: [Node], inputs: [ValueInfo] = [ValueInfo(name: "x", elementType: .float, shape: [.value(1), .value(3), .value(4), .value(4)])],
                      outputs: [String] = ["y"], initializers: [TensorData] = [], opset: Int64 = 17) -> Model {
        Model(opsetImports: [OpsetID(version: opset)],
              graph: Graph(name: "hostile", nodes: nodes, initializers: initializers, inputs: inputs,
                           outputs: outputs.map { ValueInfo(name: $0, type: nil) }))
    }

    static func input(_ name: String, _ dims: [Int], _ type: ElementType = .float) -> ValueInfo {
        ValueInfo(name: name, elementType: type, shape: dims.map { .value($0) })
    }

    /// The error creating a session gives, or nil when it succeeds; checks it is quick.
    func creationError(_ model: Model, options: SessionOptions = SessionOptions(threads: 1), seconds: Int = 10) -> RuntimeError? {
        let start = ContinuousClock.now
        defer { #expect(ContinuousClock.now - start < .seconds(seconds), "session creation took \(ContinuousClock.now - start)") }
        do {
            _ = try InferenceSession(model: model, options: options)
            return nil
        } catch {
            return error
        }
    }

    func expectShapeError(_ model: Model, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        switch creationError(model) {
        case .shapeMismatch(_, let detail)?:
            #expect(detail.contains(fragment), "\(detail)", sourceLocation: sourceLocation)
        case .limitExceeded(let what, _, _)?:
            #expect(what.contains(fragment) || fragment == "limit", "\(what)", sourceLocation: sourceLocation)
        case let other:
            Issue.record("expected a shape error mentioning '\(fragment)', got \(String(describing: other))", sourceLocation: sourceLocation)
        }
    }

    // MARK: Shape inference with absurd values

    @Test func reshapeToAHugeShape() {
        for spec: [Int64] in [[1 << 40, 1 << 40], [Int64.max, 2], [1 << 31, 1 << 31, 1 << 31, 1 << 31], [-1, 1 << 62, 4]] {
            let m = Self.model([Node(opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])],
                               initializers: [TensorData(name: "s", dims: [spec.count], int64s: spec)])
            expectShapeError(m, "cannot reshape")
        }
        // A declared input of 2^80 elements is refused before anything multiplies its dims.
        let huge = Self.model([Node(opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])], inputs: [Self.input("x", [1 << 40, 1 << 40])],
                              initializers: [TensorData(name: "s", dims: [1], int64s: [-1])])
        guard case .limitExceeded(let what, _, _)? = creationError(huge) else { Issue.record("2^80-element input accepted"); return }
        #expect(what.contains("graph input 'x'"))
    }

    @Test func padBy2To40AndOverflowingPads() {
        let big = Self.model([Node(opType: "Pad", inputs: ["x", "p"], outputs: ["y"])],
                             initializers: [TensorData(name: "p", dims: [8], int64s: [0, 0, 1 << 40, 0, 0, 0, 0, 0])])
        guard case .limitExceeded(let what, _, let limit)? = creationError(big) else { Issue.record("2^40 pad accepted"); return }
        #expect(what.contains("elements") && limit == SessionOptions().maxTensorElements)
        let overflow = Self.model([Node(opType: "Pad", inputs: ["x", "p"], outputs: ["y"])],
                                  initializers: [TensorData(name: "p", dims: [8], int64s: [0, 0, Int64.max / 2 + 1, 0, 0, 0, Int64.max / 2 + 1, 0])])
        expectShapeError(overflow, "overflows")
        let scalarAxes = Self.model([Node(opType: "Pad", inputs: ["x", "p", "", "a"], outputs: ["y"])], inputs: [Self.input("x", [])],
                                    initializers: [TensorData(name: "p", dims: [2], int64s: [1, 1]), TensorData(name: "a", dims: [1], int64s: [0])])
        expectShapeError(scalarAxes, "out of range")
    }

    @Test func concatOfManyHugeInputs() {
        // Four declared inputs of 2^30 elements (4 GiB each, never allocated): the output is over the limit.
        let names = ["a", "b", "c", "d"]
        let m = Self.model([Node(opType: "Concat", inputs: names, outputs: ["y"], attributes: ["axis": .int(1)])],
                           inputs: names.map { Self.input($0, [1, 1 << 20, 1 << 10]) })
        guard case .limitExceeded(_, let value, _)? = creationError(m) else { Issue.record("huge concat accepted"); return }
        #expect(value == 1 << 32)
        let many = Self.model([Node(opType: "Concat", inputs: Array(repeating: "x", count: 5000), outputs: ["y"], attributes: ["axis": .int(0)])],
                              inputs: [Self.input("x", [1 << 20, 1 << 10])])
        guard case .limitExceeded? = creationError(many) else { Issue.record("5000-way concat accepted"); return }
        let scalars = Self.model([Node(opType: "Concat", inputs: ["x", "x"], outputs: ["y"], attributes: ["axis": .int(0)])], inputs: [Self.input("x", [])])
        expectShapeError(scalars, "out of range")
    }

    @Test func gatherWithOutOfRangeIndices() {
        for indices: [Int64] in [[5], [-5], [Int64.max], [Int64.min]] {
            let m = Self.model([Node(opType: "Gather", inputs: ["x", "i"], outputs: ["y"], attributes: ["axis": .int(0)])], inputs: [Self.input("x", [4, 3])],
                               initializers: [TensorData(name: "i", dims: [indices.count], int64s: indices)])
            expectShapeError(m, "out of range")
        }
        // Indices known only at run time, from an empty axis: every index is out of range.
        let empty = Self.model([Node(opType: "Gather", inputs: ["x", "i"], outputs: ["y"], attributes: ["axis": .int(1)])],
                               inputs: [Self.input("x", [2, 0]), Self.input("i", [3], .int64)])
        do {
            let session = try InferenceSession(model: empty, options: SessionOptions(threads: 1))
            #expect(throws: RuntimeError.self) { try session.run([Tensor(shape: [2, 0], floats: []), Tensor(shape: [3], int64s: [0, 1, 2])]) }
        } catch {
            _ = error.description  // refusing at creation is as good
        }
        let scalar = Self.model([Node(opType: "Gather", inputs: ["x", "i"], outputs: ["y"])], inputs: [Self.input("x", [])],
                                initializers: [TensorData(name: "i", dims: [], int64s: [0])])
        expectShapeError(scalar, "out of range")
        let badAxis = Self.model([Node(opType: "Gather", inputs: ["x", "i"], outputs: ["y"], attributes: ["axis": .int(Int64.min)])],
                                 initializers: [TensorData(name: "i", dims: [1], int64s: [0])])
        expectShapeError(badAxis, "out of range")
    }

    @Test func convWithKernelLargerThanInputAndAbsurdAttributes() {
        let w = TensorData(name: "w", dims: [1, 3, 5, 5], floats: Array(repeating: 0.1, count: 75))
        let small = Self.model([Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"])], initializers: [w])
        expectShapeError(small, "does not fit")
        let w3 = TensorData(name: "w", dims: [2, 3, 3, 3], floats: Array(repeating: 0.1, count: 54))
        let attributes: [[String: Attribute]] = [
            ["pads": .ints([Int64.max, 0, Int64.max, 0])],
            ["pads": .ints([1 << 62, 1 << 62, 1 << 62, 1 << 62])],
            ["dilations": .ints([Int64.max, 1])],
            ["strides": .ints([Int64.max, Int64.max]), "auto_pad": .string("SAME_UPPER")],
            ["group": .int(Int64.max)],
            ["group": .int(1 << 62)],
            ["kernel_shape": .ints([0, 3])],
        ]
        for a in attributes {
            let m = Self.model([Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: a)], initializers: [w3])
            #expect(creationError(m) != nil, "\(a) accepted")
        }
        // Pooling: a huge kernel with huge pads gives a tiny output but an absurd amount of work.
        // Session creation reports the work instead of doing it (even with a constant input).
        let pool = Self.model([Node(opType: "MaxPool", inputs: ["c"], outputs: ["y"],
                                    attributes: ["kernel_shape": .ints([1 << 40]), "strides": .ints([1 << 40]), "pads": .ints([(1 << 40) - 1, (1 << 40) - 1])])],
                              inputs: [], initializers: [TensorData(name: "c", dims: [1, 1, 1], floats: [3])])
        #expect(creationError(pool) == nil)
        let live = Self.model([Node(opType: "MaxPool", inputs: ["x"], outputs: ["y"],
                                    attributes: ["kernel_shape": .ints([1 << 40]), "strides": .ints([1 << 40]), "pads": .ints([(1 << 40) - 1, (1 << 40) - 1])])],
                              inputs: [Self.input("x", [1, 1, 1])])
        if let session = try? InferenceSession(model: live, options: SessionOptions(threads: 1)) {
            #expect(session.flopsPerRun >= 1 << 40)
        } else {
            Issue.record("legal (if absurd) pooling refused")
        }
    }

    @Test func rankZeroOperandsAreShapeErrors() {
        let scalar = [Self.input("x", [])]
        let cases: [(Node, [TensorData], Int64)] = [
            (Node(opType: "Squeeze", inputs: ["x", "a"], outputs: ["y"]), [TensorData(name: "a", dims: [1], int64s: [0])], 17),
            (Node(opType: "ReduceMean", inputs: ["x"], outputs: ["y"], attributes: ["axes": .ints([0])]), [], 13),
            (Node(opType: "Softmax", inputs: ["x"], outputs: ["y"], attributes: ["axis": .int(0)]), [], 13),
            (Node(opType: "Flatten", inputs: ["x"], outputs: ["y"], attributes: ["axis": .int(2)]), [], 13),
            (Node(opType: "Transpose", inputs: ["x"], outputs: ["y"], attributes: ["perm": .ints([0])]), [], 13),
        ]
        for (node, initializers, opset) in cases {
            let m = Self.model([node], inputs: scalar, initializers: initializers, opset: opset)
            guard case .shapeMismatch? = creationError(m) else { Issue.record("\(node.opType) on a scalar: \(String(describing: creationError(m)))"); continue }
        }
    }

    @Test func zeroSizeDimsCreateSessionsThatRun() throws {
        let cases: [(Node, [ValueInfo], [TensorData])] = [
            (Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"]), [Self.input("x", [0, 3, 4, 4])],
             [TensorData(name: "w", dims: [2, 3, 3, 3], floats: Array(repeating: 1, count: 54))]),
            (Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"]), [Self.input("x", [1, 0, 4, 4])],
             [TensorData(name: "w", dims: [2, 0, 3, 3], floats: [])]),
            (Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"]), [Self.input("x", [1, 3, 4, 4])],
             [TensorData(name: "w", dims: [0, 3, 3, 3], floats: [])]),
            (Node(opType: "MatMul", inputs: ["x", "w"], outputs: ["y"]), [Self.input("x", [2, 0])], [TensorData(name: "w", dims: [0, 3], floats: [])]),
            (Node(opType: "MatMul", inputs: ["x", "w"], outputs: ["y"]), [Self.input("x", [0, 4])],
             [TensorData(name: "w", dims: [4, 3], floats: Array(repeating: 1, count: 12))]),
            (Node(opType: "Gemm", inputs: ["x", "w"], outputs: ["y"]), [Self.input("x", [3, 0])], [TensorData(name: "w", dims: [0, 2], floats: [])]),
            (Node(opType: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: ["kernel_shape": .ints([2, 2])]), [Self.input("x", [0, 3, 4, 4])], []),
            (Node(opType: "GlobalAveragePool", inputs: ["x"], outputs: ["y"]), [Self.input("x", [2, 0, 4, 4])], []),
            (Node(opType: "Softmax", inputs: ["x"], outputs: ["y"]), [Self.input("x", [2, 0])], []),
            (Node(opType: "Concat", inputs: ["x", "x"], outputs: ["y"], attributes: ["axis": .int(1)]), [Self.input("x", [2, 0])], []),
            (Node(opType: "Transpose", inputs: ["x"], outputs: ["y"]), [Self.input("x", [2, 0, 3])], []),
            (Node(opType: "Relu", inputs: ["x"], outputs: ["y"]), [Self.input("x", [0])], []),
            (Node(opType: "ReduceMean", inputs: ["x"], outputs: ["y"], attributes: ["axes": .ints([1])]), [Self.input("x", [2, 0])], []),
        ]
        for (node, inputs, initializers) in cases {
            let m = Self.model([node], inputs: inputs, initializers: initializers, opset: 13)
            do {
                let session = try InferenceSession(model: m, options: SessionOptions(threads: 2))
                let feeds = session.inputs.map { info in
                    let shape = info.shape.map { d -> Int in if case .value(let v) = d { return v } else { return 1 } }
                    return Tensor(shape: shape, floats: Array(repeating: 1, count: shape.reduce(1, *)))
                }
                let out = try session.run(feeds)
                #expect(out.count == 1)
            } catch {
                // A typed refusal is acceptable for an empty operand; a crash is not.
                _ = error.description
            }
        }
    }

    @Test func constantOf2To31ElementsWithoutData() {
        // In a file the reader refuses it; built in memory, the importer must too (kernels would read past the buffer).
        let c = TensorData(name: "", dims: [1 << 31], floats: [])
        let m = Self.model([Node(opType: "Constant", inputs: [], outputs: ["y"], attributes: ["value": .tensor(c)])], inputs: [])
        guard case .unsupported(let nodes)? = creationError(m) else { Issue.record("inconsistent constant accepted"); return }
        #expect(nodes.first?.reason.contains("describe") == true)
        let initializer = Self.model([Node(opType: "Relu", inputs: ["w"], outputs: ["y"])], inputs: [],
                                     initializers: [TensorData(name: "w", dims: [4, 4], floats: [1])])
        guard case .invalidNode? = creationError(initializer) else { Issue.record("inconsistent initializer accepted"); return }
    }

    @Test func foldingThatWouldExhaustMemoryIsRefused() {
        // Constant [N,1] + [1,N]: a few KB of file, N² values when folded.
        let n = 20_000
        let m = Self.model([Node(opType: "Add", inputs: ["a", "b"], outputs: ["y"])], inputs: [],
                           initializers: [TensorData(name: "a", dims: [n, 1], floats: Array(repeating: 1, count: n)),
                                          TensorData(name: "b", dims: [1, n], floats: Array(repeating: 2, count: n))])
        var options = SessionOptions(threads: 1)
        options.maxMemoryBytes = 64 << 20
        guard case .limitExceeded(let what, let value, 64 << 20)? = creationError(m, options: options) else { Issue.record("huge fold accepted"); return }
        #expect(what.contains("computed when the plan is made") && value == n * n * 4)
        // An arena over the limit is refused when the plan is made, not when a run allocates it.
        let arena = Self.model([Node(opType: "Relu", inputs: ["x"], outputs: ["h"]), Node(opType: "Relu", inputs: ["h"], outputs: ["y"])],
                               inputs: [Self.input("x", [1 << 25])])
        guard case .limitExceeded(let w2, _, _)? = creationError(arena, options: options) else { Issue.record("huge arena accepted"); return }
        #expect(w2.contains("memory"))
    }

    /// With the limits lifted, a plan whose arena the system will not give (a 2^40-row pad: 16 TiB)
    /// fails the run with `outOfMemory`, and the session stays usable.
    @Test func anArenaTheSystemRefusesFailsTheRun() throws {
        let m = Self.model([Node(opType: "Pad", inputs: ["x", "p"], outputs: ["y"])], inputs: [Self.input("x", [1, 4])],
                           initializers: [TensorData(name: "p", dims: [4], int64s: [0, 0, 1 << 40, 0])])
        var options = SessionOptions(threads: 1)
        options.maxTensorElements = Int.max
        options.maxMemoryBytes = Int.max
        let session = try InferenceSession(model: m, options: options)
        let x = Tensor(shape: [1, 4], floats: [1, 2, 3, 4])
        for _ in 0..<2 {
            #expect {
                _ = try session.run([x])
            } throws: { error in
                guard case .outOfMemory(let what, let bytes) = error as? RuntimeError else { return false }
                return what.contains("arena") && bytes >= 4 << 40
            }
        }
    }

    /// The session's large buffers (packed weights, folded values) are allocated by
    /// `HostBuffer.allocate`, which turns the system's refusal into `outOfMemory`. (Folds are capped
    /// at 2^30 FLOPs, so no model can make a fold this machine refuses; the allocator is tested.)
    @Test func largeBuffersTheSystemRefusesAreErrors() {
        #expect {
            _ = try HostBuffer.allocate(byteCount: 1 << 50, what: "packed conv weights")
        } throws: { error in
            guard case .outOfMemory(let what, let bytes) = error as? RuntimeError else { return false }
            return what == "packed conv weights" && bytes == 1 << 50
        }
        #expect(throws: RuntimeError.self) { _ = try HostBuffer.allocate(byteCount: -1, what: "a negative size") }
        #expect((try? HostBuffer.allocate(byteCount: 100, what: "a small buffer"))?.byteCount == 100)
    }

    @Test func outputsTheOperatorDoesNotMakeAreRefused() {
        // Transpose writes its input's size into output 0; a second output would get no shape.
        let m = Self.model([Node(opType: "Transpose", inputs: ["x"], outputs: ["", "y"])], inputs: [Self.input("x", [4, 4])])
        guard case .invalidNode(_, _, let detail)? = creationError(m) else { Issue.record("phantom output accepted"); return }
        #expect(detail.contains("output 1"))
        // Nodes with no outputs at all (found by fuzzing: the fusion passes read `outputs[0]`).
        for op in ["Relu", "Clip", "Sigmoid", "Identity", "Dropout", "Add"] {
            let inputs = op == "Add" ? ["h", "h"] : ["h"]
            let noOutputs = Self.model([Node(opType: "Conv", inputs: ["x", "w"], outputs: ["h"]), Node(opType: op, inputs: inputs, outputs: []),
                                        Node(opType: op, inputs: inputs, outputs: [""]), Node(opType: "Relu", inputs: ["h"], outputs: ["y"])],
                                       initializers: [TensorData(name: "w", dims: [3, 3, 1, 1], floats: Array(repeating: 0.5, count: 9))])
            #expect(creationError(noOutputs) == nil, "\(op)")
        }
    }

    // MARK: Graph structure

    @Test func cycleBuiltInMemoryIsRefused() {
        // ModelReader refuses cycles; a Model built in memory skips it, so the importer checks too.
        let selfLoop = Self.model([Node(opType: "Conv", inputs: ["x", "w", "y"], outputs: ["y"])],
                                  initializers: [TensorData(name: "w", dims: [3, 3, 1, 1], floats: Array(repeating: 1, count: 9))])
        guard case .invalidNode(_, _, let d)? = creationError(selfLoop) else { Issue.record("self loop accepted"); return }
        #expect(d.contains("'y'") && d.contains("cycle"))
        let twoNodes = Self.model([Node(opType: "Relu", inputs: ["b"], outputs: ["a"]), Node(opType: "Relu", inputs: ["a"], outputs: ["b"]),
                                   Node(opType: "Relu", inputs: ["b"], outputs: ["y"])])
        guard case .invalidNode? = creationError(twoNodes) else { Issue.record("two-node cycle accepted"); return }
        // Through the reader: the validator names the cycle.
        var bytes: [UInt8] = []
        do { bytes = try ModelWriter.serialize(selfLoop) } catch { Issue.record("\(error)"); return }
        #expect(throws: RuntimeError.self) { try InferenceSession(bytes: bytes) }
    }

    @Test func tenThousandDeepChainThroughSessionCreation() throws {
        var nodes: [Node] = []
        var previous = "x"
        let ops = ["Relu", "Identity", "Sigmoid", "Dropout"]
        for i in 0..<10_000 {
            let out = i == 9_999 ? "y" : "v\(i)"
            nodes.append(Node(name: "n\(i)", opType: ops[i % ops.count], inputs: [previous], outputs: [out]))
            previous = out
        }
        let m = Self.model(nodes, inputs: [Self.input("x", [1, 8])])
        let bytes = try ModelWriter.serialize(m)
        let start = ContinuousClock.now
        let session = try InferenceSession(bytes: bytes, options: SessionOptions(threads: 1))
        let y = try session.run([Tensor(shape: [1, 8], floats: Array(repeating: 0.5, count: 8))])
        #expect(y[0].shape == [1, 8])
        // About 6 s in a debug build; sanitizer builds are several times slower.
        #expect(ContinuousClock.now - start < .seconds(120))
        // Without optimization every node stays: the memory planner and the executor see 10,000 steps.
        let plain = try InferenceSession(bytes: bytes, options: SessionOptions(threads: 1, optimize: false))
        #expect(try plain.run([Tensor(shape: [1, 8], floats: Array(repeating: 0.5, count: 8))])[0].shape == [1, 8])
    }

    @Test func hostileRunInputsAreTypedErrors() throws {
        let session = try InferenceSession(model: Self.model([Node(opType: "Relu", inputs: ["x"], outputs: ["y"])],
                                                             inputs: [ValueInfo(name: "x", elementType: .float, shape: [.symbol("n"), .value(2)])]))
        for shape in [[1 << 40, 1 << 40], [-1, 2], [Int.max, 2]] {
            #expect(throws: RuntimeError.self) { try session.run([Tensor(shape: shape, floats: [1, 2])]) }
            [Float](repeating: 0, count: 4).withUnsafeBytes { raw in
                var out = [Float](repeating: 0, count: 4)
                _ = out.withUnsafeMutableBytes { o in
                    #expect(throws: RuntimeError.self) {
                        try session.run(inputs: [InferenceSession.InputBuffer(shape: shape, bytes: raw)], outputs: [o])
                    }
                }
            }
        }
    }

    // MARK: The CLI on hostile files: specific error, quickly, bounded memory

    /// The built `nninfer` binary next to this package's debug or release products, if present.
    static var nninferBinary: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/nninfer").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `binary` with `arguments` under a 2 GiB address-space limit (`ulimit -v`), stderr to a
    /// file; returns its exit status and, when /usr/bin/time exists, its peak RSS in KiB (else nil).
    ///
    /// The peak comes from GNU time, which forks the child from its own small process: a child
    /// spawned straight from the test would report the test process's RSS (Linux keeps the pre-exec
    /// high-water mark in ru_maxrss).
    static func spawn(_ binary: String, _ arguments: [String], stderr: String, rss: String) throws -> (status: Int32, maxRSSKiB: Int?) {
        let timed = FileManager.default.isExecutableFile(atPath: "/usr/bin/time")
        let script = "ulimit -v 2097152; exec " + (timed ? "/usr/bin/time -f %M -o \"$RSS_FILE\" " : "") + "\"$0\" \"$@\""
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argumentStrings: [String] = ["/bin/sh", "-c", script, binary] + arguments
        let environmentStrings: [String] = ["RSS_FILE=\(rss)", "PATH=/usr/bin:/bin"]
        let argv: [UnsafeMutablePointer<CChar>?] = argumentStrings.map { strdup($0) } + [nil]
        let env: [UnsafeMutablePointer<CChar>?] = environmentStrings.map { strdup($0) } + [nil]
        defer { for p in argv + env { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, env)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let peak = timed ? (try? String(contentsOfFile: rss, encoding: .utf8)).flatMap { Int($0.split(separator: "\n").last ?? "") } : nil
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), peak)
    }

    @Test(.enabled(if: nninferBinary != nil, "needs the nninfer binary (swift build)"))
    func cliOnHostileModelsFailsFastWithBoundedMemory() throws {
        let binary = try #require(Self.nninferBinary)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile: [(String, Model, String)] = [
            ("reshape", Self.model([Node(opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])],
                                   initializers: [TensorData(name: "s", dims: [2], int64s: [1 << 40, 1 << 40])]), "cannot reshape"),
            ("pad", Self.model([Node(opType: "Pad", inputs: ["x", "p"], outputs: ["y"])],
                               initializers: [TensorData(name: "p", dims: [8], int64s: [0, 0, 1 << 40, 0, 0, 0, 0, 0])]), "over the limit"),
            ("concat", Self.model([Node(opType: "Concat", inputs: ["x", "x", "x", "x"], outputs: ["y"], attributes: ["axis": .int(1)])],
                                  inputs: [Self.input("x", [1, 1 << 20, 1 << 10])]), "over the limit"),
            ("input", Self.model([Node(opType: "Relu", inputs: ["x"], outputs: ["y"])], inputs: [Self.input("x", [1 << 40, 1 << 40])]), "over the limit"),
            ("gather", Self.model([Node(opType: "Gather", inputs: ["x", "i"], outputs: ["y"])],
                                  initializers: [TensorData(name: "i", dims: [1], int64s: [1 << 40])]), "out of range"),
        ]
        for (name, model, fragment) in hostile {
            let path = dir.appendingPathComponent("\(name).onnx").path
            try ModelWriter.write(model, to: path)
            let errors = dir.appendingPathComponent("\(name).err").path
            let start = ContinuousClock.now
            let (status, maxRSS) = try Self.spawn(binary, ["run", path, "--output-dir", dir.appendingPathComponent("out").path], stderr: errors,
                                                  rss: dir.appendingPathComponent("\(name).rss").path)
            let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            #expect(ContinuousClock.now - start < .seconds(30), "\(name) took \(ContinuousClock.now - start)")
            #expect(status == 2, "\(name): exit status \(status): \(text)")
            #expect(text.contains(fragment), "\(name): \(text)")
            // Peak RSS of this child (KiB): far below what the file declares (GiB to EiB). The 2 GiB
            // address-space limit alone would already turn any big allocation into a crash.
            if let maxRSS { #expect(maxRSS < 256 * 1024, "\(name): the child peaked at \(maxRSS) KiB") }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }
}
