import Foundation
import Testing
@testable import NNFormat

@Suite struct ErrorTests {
    func readError(_ bytes: [UInt8], options: ReadOptions = ReadOptions()) -> FormatError? {
        do {
            _ = try ModelReader.read(bytes: bytes, source: "test.onnx", options: options)
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedFile() throws {
        let bytes = try ModelWriter.serialize(try Fixtures.lenet(bnAfterReLU: false))
        for cut in [bytes.count / 2, bytes.count - 1, 3] {
            let e = readError(Array(bytes[..<cut]))
            guard case .truncated(let source, _) = e else { Issue.record("cut at \(cut): \(String(describing: e))"); continue }
            #expect(source == "test.onnx")
        }
    }

    @Test func notProtobufAndEmpty() {
        guard case .notProtobuf = readError(Array("hello, this is not a model\n".utf8)) else { Issue.record("text accepted"); return }
        guard case .invalidModel(_, _, let detail) = readError([]) else { Issue.record("empty accepted"); return }
        #expect(detail.contains("no graph"))
    }

    @Test func tensorDataMustMatchDims() {
        let t = ProtoBytes.tensor(name: "w", dims: [2, 3], raw: [UInt8](repeating: 0, count: 20))
        guard case .tensorDataMismatch(_, let name, let detail) = readError(ProtoBytes.model(initializers: [t], outputs: ["x"])) else { Issue.record("accepted"); return }
        #expect(name == "w")
        #expect(detail.contains("24 bytes"))
    }

    @Test func hugeDeclaredTensorIsRefusedBeforeAllocating() {
        // 2^40 elements with 4 bytes of data.
        let t = ProtoBytes.tensor(name: "big", dims: [1 << 20, 1 << 20], raw: [0, 0, 0, 0])
        guard case .limitExceeded(_, let what, _, _) = readError(ProtoBytes.model(initializers: [t], outputs: ["x"])) else { Issue.record("accepted"); return }
        #expect(what.contains("big"))
    }

    @Test func overflowingAndNegativeDims() {
        let overflow = ProtoBytes.tensor(name: "o", dims: [1 << 40, 1 << 40, 1 << 40], raw: [])
        guard case .invalidShape = readError(ProtoBytes.model(initializers: [overflow], outputs: ["x"]), options: ReadOptions(limits: { var l = ReadOptions.Limits(); l.maxDimension = Int.max; return l }())) else {
            Issue.record("overflow accepted"); return
        }
        let negative = ProtoBytes.tensor(name: "n", dims: [-1], raw: [])
        guard case .invalidShape(_, let context, _) = readError(ProtoBytes.model(initializers: [negative], outputs: ["x"])) else { Issue.record("negative accepted"); return }
        #expect(context.contains("'n'"))
    }

    @Test func nodeConsumingItsOwnOutputIsACycle() {
        let bytes = ProtoBytes.model(nodes: [ProtoBytes.node("Add", inputs: ["x", "y"], outputs: ["y"], name: "loop")])
        guard case .invalidModel(_, _, let detail) = readError(bytes) else { Issue.record("cycle accepted"); return }
        #expect(detail.contains("loop") && detail.contains("cycle"))
    }

    @Test func undefinedInputAndMissingOutput() {
        guard case .invalidModel(_, _, let d1) = readError(ProtoBytes.model(nodes: [ProtoBytes.node("Relu", inputs: ["nope"], outputs: ["y"])])) else { Issue.record(); return }
        #expect(d1.contains("'nope'"))
        guard case .invalidModel(_, _, let d2) = readError(ProtoBytes.model(nodes: [ProtoBytes.node("Relu", inputs: ["x"], outputs: ["z"])])) else { Issue.record(); return }
        #expect(d2.contains("graph output 'y'"))
    }

    @Test func duplicateNames() {
        let a = ProtoBytes.tensor(name: "w", dims: [1], raw: [0, 0, 0, 0])
        guard case .invalidModel(_, _, let d) = readError(ProtoBytes.model(initializers: [a, a], outputs: ["x"])) else { Issue.record(); return }
        #expect(d.contains("defined twice"))
        let twice = ProtoBytes.model(nodes: [ProtoBytes.node("Relu", inputs: ["x"], outputs: ["y"]), ProtoBytes.node("Relu", inputs: ["x"], outputs: ["y"])])
        guard case .invalidModel = readError(twice) else { Issue.record("double assignment accepted"); return }
    }

    @Test func irVersionsAndOpsets() {
        guard case .invalidModel(_, _, let d) = readError(ProtoBytes.model(outputs: ["x"], irVersion: 2)) else { Issue.record(); return }
        #expect(d.contains("ir_version 2"))
        guard case .invalidModel = readError(ProtoBytes.model(outputs: ["x"], irVersion: 99)) else { Issue.record(); return }
        var noOpset = ProtoBytes()
        noOpset.int(1, 8)
        noOpset.message(7) { g in g.message(11) { $0.string(1, "x") } }
        guard case .invalidModel(_, _, let d2) = readError(noOpset.bytes) else { Issue.record(); return }
        #expect(d2.contains("opset_import"))
    }

    @Test func deepChainIsFineAndNodeLimitHolds() throws {
        var nodes: [ProtoBytes] = []
        var previous = "x"
        for i in 0..<10_000 {
            let out = i == 9_999 ? "y" : "v\(i)"
            nodes.append(ProtoBytes.node("Relu", inputs: [previous], outputs: [out]))
            previous = out
        }
        let bytes = ProtoBytes.model(nodes: nodes)
        #expect(try ModelReader.read(bytes: bytes).graph.nodes.count == 10_000)
        var limits = ReadOptions.Limits()
        limits.maxNodes = 100
        guard case .limitExceeded(_, let what, _, _) = readError(bytes, options: ReadOptions(limits: limits)) else { Issue.record(); return }
        #expect(what == "node count")
    }

    func fileError(_ body: () throws(FormatError) -> Void) -> FormatError? {
        do throws(FormatError) { try body(); return nil } catch { return error }
    }

    @Test func fileErrors() throws {
        #expect(throws: FormatError.fileNotFound(source: "/nonexistent/m.onnx")) { try ModelReader.read(contentsOf: "/nonexistent/m.onnx") }
        guard case .unreadable(_, let reason)? = fileError({ () throws(FormatError) in _ = try ModelReader.read(contentsOf: "/tmp") }) else { Issue.record(); return }
        #expect(reason.contains("directory"))
        var limits = ReadOptions.Limits()
        limits.maxFileBytes = 10
        let dir = try TempDir()
        try ModelWriter.write(try Fixtures.tinyResNet(), to: dir.path + "/m.onnx")
        guard case .limitExceeded(_, let what, _, _)? = fileError({ () throws(FormatError) in _ = try ModelReader.read(contentsOf: dir.path + "/m.onnx", options: ReadOptions(limits: limits)) }) else { Issue.record(); return }
        #expect(what == "file size")
    }

    @Test func failedWriteLeavesNothingAndKeepsTheOldFile() throws {
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        let good = try Fixtures.tinyResNet()
        try ModelWriter.write(good, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var bad = good
        bad.graph.initializers[0].storage = .float([1])  // does not match its dims
        #expect(throws: FormatError.self) { try ModelWriter.write(bad, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m.onnx"])
        #expect(throws: FormatError.self) { try ModelWriter.write(good, to: dir.path + "/missing/dir/m.onnx") }
    }

    @Test func errorMessagesNameFileAndItem() {
        let e = FormatError.tensorDataMismatch(source: "a.onnx", tensor: "conv1.weight", detail: "wrong")
        #expect(e.description == "a.onnx: tensor 'conv1.weight': wrong")
    }
}

/// A temporary directory removed when the value goes away.
final class TempDir {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("nnformat-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
