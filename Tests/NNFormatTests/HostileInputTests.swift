import Foundation
import TestSupport
import Testing
@testable import NNFormat

#if canImport(Glibc)
import Glibc
#endif

/// Hand-made hostile model and tensor files: each gets its specific error, quickly, without
/// allocating what it declares (ErrorTests and ExternalDataTests hold the simpler cases).
@Suite struct HostileInputTests {
    func readError(_ bytes: [UInt8], options: ReadOptions = ReadOptions()) -> FormatError? {
        do {
            _ = try ModelReader.read(bytes: bytes, source: "hostile.onnx", options: options)
            return nil
        } catch {
            return error
        }
    }

    /// A main graph with subgraphs nested `depth` levels below it through GRAPH attributes
    /// (If-style `then_branch`); the innermost is empty.
    static func nestedGraphs(depth: Int) -> [UInt8] {
        // graph_k = { node { op_type "If", attribute { name, type GRAPH, g: graph_(k-1) } } }, graph_0 empty.
        // Sizes first (inside out), then bytes (outside in): linear in the depth.
        func varintLength(_ v: Int) -> Int { var n = 1; var v = v; while v >= 0x80 { v >>= 7; n += 1 }; return n }
        let name = Array("then_branch".utf8), op = Array("If".utf8)
        var graph = [0], attribute = [0], node = [0]
        for k in 1...max(depth, 1) {
            let a = 2 + name.count + 3 + 1 + varintLength(graph[k - 1]) + graph[k - 1]  // type: a 2-byte tag (field 20)
            let n = 2 + op.count + 1 + varintLength(a) + a
            attribute.append(a)
            node.append(n)
            graph.append(1 + varintLength(n) + n)
        }
        var m = ProtoBytes()
        m.int(1, 8)
        m.message(8) { $0.string(1, ""); $0.int(2, 17) }
        m.tag(7, 2)
        m.varint(UInt64(graph[depth]))
        m.bytes.reserveCapacity(m.bytes.count + graph[depth])
        for k in stride(from: depth, through: 1, by: -1) {
            m.tag(1, 2); m.varint(UInt64(node[k]))
            m.string(4, "If")
            m.tag(5, 2); m.varint(UInt64(attribute[k]))
            m.string(1, "then_branch")
            m.int(20, 5)
            m.tag(6, 2); m.varint(UInt64(graph[k - 1]))
        }
        return m.bytes
    }

    @Test func deeplyNestedSubgraphsAreRefusedBeforeProtobufRecurses() {
        // 200,000 levels: protobuf-c's unpack would recurse 600,000 frames deep (a stack overflow).
        let bytes = Self.nestedGraphs(depth: 200_000)
        let start = ContinuousClock.now
        guard case .limitExceeded(_, let what, let value, let limit) = readError(bytes) else {
            Issue.record("deep nesting accepted"); return
        }
        #expect(what == "subgraph nesting depth")
        #expect(value == limit + 1 && limit == ReadOptions.Limits().maxGraphDepth)
        #expect(ContinuousClock.now - start < .seconds(5))
        // Within the limit the model reads (and the decoder agrees with the scanner on depth).
        var limits = ReadOptions.Limits()
        limits.maxGraphDepth = 10
        #expect(readError(Self.nestedGraphs(depth: 10), options: ReadOptions(limits: limits)) == nil)
        if case .limitExceeded(_, let w, 11, 10)? = readError(Self.nestedGraphs(depth: 11), options: ReadOptions(limits: limits)) {
            #expect(w == "subgraph nesting depth")
        } else {
            Issue.record("depth 11 over a limit of 10 accepted")
        }
    }

    @Test func longStringsAreRefused() {
        var limits = ReadOptions.Limits()
        limits.maxStringBytes = 1000
        let node = ProtoBytes.node("Relu", inputs: ["x"], outputs: ["y"], name: String(repeating: "n", count: 5000))
        guard case .limitExceeded(_, let what, let value, 1000)? = readError(ProtoBytes.model(nodes: [node]), options: ReadOptions(limits: limits)) else {
            Issue.record("long name accepted"); return
        }
        #expect(what.contains("node name") && value == 5000)
    }

    @Test func totalTensorBytesLimitHolds() {
        var limits = ReadOptions.Limits()
        limits.maxTotalTensorBytes = 100
        let a = ProtoBytes.tensor(name: "a", dims: [16], raw: [UInt8](repeating: 0, count: 64))
        let b = ProtoBytes.tensor(name: "b", dims: [16], raw: [UInt8](repeating: 0, count: 64))
        guard case .limitExceeded(_, "total tensor bytes", 128, 100)? = readError(ProtoBytes.model(initializers: [a, b], outputs: ["x"]), options: ReadOptions(limits: limits)) else {
            Issue.record("over the total accepted"); return
        }
    }

    @Test func dimsOverflowingInt64AreAShapeErrorWithDefaultLimits() {
        // Each dim is within the default maxDimension (2^40); their product is not.
        let t = ProtoBytes.tensor(name: "o", dims: [1 << 40, 1 << 40, 1 << 40], raw: [0, 0, 0, 0])
        guard case .invalidShape(_, let context, let detail)? = readError(ProtoBytes.model(initializers: [t], outputs: ["x"])) else {
            Issue.record("overflowing dims accepted"); return
        }
        #expect(context.contains("'o'") && detail.contains("overflow"))
        let huge = ProtoBytes.tensor(name: "h", dims: [Int64.max], raw: [])
        guard case .invalidShape? = readError(ProtoBytes.model(initializers: [huge], outputs: ["x"])) else { Issue.record("Int64.max dim accepted"); return }
    }

    @Test func typedDataFieldsOfTheWrongLengthAreRefused() {
        // float_data (field 4, packed) with 3 values for dims [1 << 30].
        let t = ProtoBytes.tensor(name: "f", dims: [1 << 30], raw: nil) { t in
            t.bytes(4, [Float(1), 2, 3].withUnsafeBytes { Array($0) })
        }
        guard case .tensorDataMismatch(_, "f", _)? = readError(ProtoBytes.model(initializers: [t], outputs: ["x"])) else {
            Issue.record("short float_data accepted"); return
        }
        // int4 packed 2 per byte in int32_data: 3 elements need 2 values.
        let n = ProtoBytes.tensor(name: "n", dims: [3], dataType: 22, raw: nil) { t in t.bytes(5, [1, 2, 3]) }
        guard case .tensorDataMismatch(_, "n", _)? = readError(ProtoBytes.model(initializers: [n], outputs: ["x"])) else {
            Issue.record("int4 count mismatch accepted"); return
        }
    }

    @Test func randomBytesAndBitFlipsNeverCrashTheReader() throws {
        var rng = SplitMix(state: 42)
        let good = try ModelWriter.serialize(try Fixtures.tinyResNet())
        for i in 0..<300 {
            var bytes = good
            for _ in 0..<(1 + i % 8) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            }
            _ = readError(bytes)
            _ = readError(Array(bytes[..<Int.random(in: 0..<bytes.count, using: &rng)]))
        }
        for n in 0..<200 {
            _ = readError((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    // MARK: External data

    func externalModel(location: String, offset: String? = nil, length: String? = nil, dims: [Int64] = [2]) -> [UInt8] {
        let t = ProtoBytes.tensor(name: "w", dims: dims, raw: nil) { t in
            t.message(13) { $0.string(1, "location"); $0.string(2, location) }
            if let offset { t.message(13) { $0.string(1, "offset"); $0.string(2, offset) } }
            if let length { t.message(13) { $0.string(1, "length"); $0.string(2, length) } }
            t.int(14, 1)
        }
        return ProtoBytes.model(nodes: [ProtoBytes.node("Add", inputs: ["x", "w"], outputs: ["y"])], initializers: [t])
    }

    func externalError(_ dir: TempDir, _ model: [UInt8]) throws -> String? {
        try Data(model).write(to: URL(fileURLWithPath: dir.path + "/m.onnx"))
        do {
            _ = try ModelReader.read(contentsOf: dir.path + "/m.onnx", options: ReadOptions(externalData: .allowModelDirectory))
            return nil
        } catch {
            guard case .externalData(_, "w", let detail) = error else { return "unexpected error: \(error)" }
            return detail
        }
    }

    @Test func externalOffsetsAndLengthsCannotOverflow() throws {
        let dir = try TempDir()
        try Data(count: 8).write(to: URL(fileURLWithPath: dir.path + "/d.bin"))
        for (offset, length) in [("9223372036854775807", "8"), ("4", "9223372036854775807"), ("-1", "8"), ("0x10", "8"),
                                 ("99999999999999999999999", "8"), ("1", "8")] {
            let detail = try externalError(dir, externalModel(location: "d.bin", offset: offset, length: length))
            #expect(detail != nil, "offset \(offset) length \(length) accepted")
            #expect(detail?.hasPrefix("unexpected") == false, "\(detail ?? "")")
        }
    }

    @Test func externalFifoDirectoryAndDotDotAreRefusedWithoutBlocking() throws {
        let dir = try TempDir()
        #expect(mkfifo(dir.path + "/pipe.bin", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir.path + "/sub", withIntermediateDirectories: true)
        let start = ContinuousClock.now
        let fifo = try externalError(dir, externalModel(location: "pipe.bin"))
        #expect(fifo?.contains("not a regular file") == true, "\(fifo ?? "accepted")")
        let directory = try externalError(dir, externalModel(location: "sub"))
        #expect(directory?.contains("not a regular file") == true, "\(directory ?? "accepted")")
        for location in ["sub/../../etc/passwd", "..", "./../x", "sub/..//../y"] {
            let detail = try externalError(dir, externalModel(location: location))
            #expect(detail?.contains("leaves the model's directory") == true, "\(location): \(detail ?? "accepted")")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func externalSymlinkedDirectoryLeavingTheRootIsRefused() throws {
        let dir = try TempDir()
        let outside = try TempDir()
        try Data(count: 8).write(to: URL(fileURLWithPath: outside.path + "/secret.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/escape", withDestinationPath: outside.path)
        let detail = try externalError(dir, externalModel(location: "escape/secret.bin"))
        #expect(detail?.contains("outside the model's directory") == true, "\(detail ?? "accepted")")
        // A symlink that stays inside the directory is fine.
        try Data([Float(1), 2].withUnsafeBytes { Array($0) }).write(to: URL(fileURLWithPath: dir.path + "/real.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/alias.bin", withDestinationPath: dir.path + "/real.bin")
        #expect(try externalError(dir, externalModel(location: "alias.bin")) == nil)
    }

    @Test func externalHugeDeclaredTensorIsRefusedBeforeReading() throws {
        let dir = try TempDir()
        try Data(count: 8).write(to: URL(fileURLWithPath: dir.path + "/d.bin"))
        var limits = ReadOptions.Limits()
        limits.maxTotalTensorBytes = 1 << 20
        try Data(externalModel(location: "d.bin", dims: [1 << 20, 1 << 10])).write(to: URL(fileURLWithPath: dir.path + "/m.onnx"))
        #expect(throws: FormatError.self) {
            try ModelReader.read(contentsOf: dir.path + "/m.onnx", options: ReadOptions(limits: limits, externalData: .allowModelDirectory))
        }
    }

    @Test func modelPathThatIsAFifoFailsWithoutBlocking() throws {
        let dir = try TempDir()
        #expect(mkfifo(dir.path + "/m.onnx", 0o600) == 0)
        let start = ContinuousClock.now
        #expect(throws: FormatError.unreadable(source: dir.path + "/m.onnx", reason: "not a regular file")) {
            try ModelReader.read(contentsOf: dir.path + "/m.onnx")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    // MARK: Tensor files

    func tensorError(_ bytes: [UInt8]) -> FormatError? {
        do { _ = try TensorFile.read(bytes: bytes, source: "t.pb"); return nil } catch { return error }
    }

    func npyError(_ bytes: [UInt8]) -> FormatError? {
        do { _ = try NumpyFile.read(bytes: bytes, source: "t.npy"); return nil } catch { return error }
    }

    static func npy(_ header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        let h = Array(header.utf8)
        let length: [UInt8] = version == 1 ? [UInt8(h.count & 0xff), UInt8(h.count >> 8)]
            : [UInt8(h.count & 0xff), UInt8((h.count >> 8) & 0xff), 0, 0]
        return NumpyFile.magic + [version, 0] + length + h + data
    }

    @Test func tensorProtoDeclaring2To40ElementsWith4BytesIsRefused() {
        let t = ProtoBytes.tensor(name: "big", dims: [1 << 20, 1 << 20], raw: [0, 0, 0, 0])
        guard case .limitExceeded(_, let what, 1 << 40, _)? = tensorError(t.bytes) else { Issue.record("accepted"); return }
        #expect(what.contains("big"))
        let external = ProtoBytes.tensor(name: "e", dims: [2], raw: nil) { t in
            t.message(13) { $0.string(1, "location"); $0.string(2, "../../etc/passwd") }
            t.int(14, 1)
        }
        guard case .externalData(_, "e", _)? = tensorError(external.bytes) else { Issue.record("external tensor file accepted"); return }
    }

    @Test func hostileNumpyHeaders() {
        let cases: [(String, [UInt8])] = [
            ("2^40 elements", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", data: [0, 0, 0, 0])),
            ("overflowing shape", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }")),
            ("negative dim", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")),
            ("non-numeric dim", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1e9,), }")),
            ("short data", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data: [0, 0, 0])),
            ("unsupported dtype", Self.npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])),
            ("object dtype", Self.npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0, 0, 0, 0, 0])),
            ("fortran order", Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", data: [0, 0, 0, 0])),
            ("no shape", Self.npy("{'descr': '<f4', 'fortran_order': False }")),
            ("unclosed shape", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, ")),
            ("header longer than the file", NumpyFile.magic + [1, 0, 0xff, 0xff, 0x7b]),
            ("v2 header of 4 GiB", NumpyFile.magic + [2, 0, 0xff, 0xff, 0xff, 0xff, 0x7b]),
            ("version 9", NumpyFile.magic + [9, 0, 0, 0]),
            ("magic only", NumpyFile.magic),
        ]
        for (name, bytes) in cases {
            #expect(npyError(bytes) != nil, "\(name) accepted")
        }
    }

    @Test func numpyWriterHandlesHeadersOverVersion1sLimit() throws {
        // 30,000 dims of 1: the header is over 65,535 bytes, so version 2.0 is written.
        let t = TensorData(dims: Array(repeating: 1, count: 30_000), floats: [7])
        let bytes = try NumpyFile.serialize(t)
        #expect(bytes[6] == 2)
        var limits = ReadOptions.Limits()
        limits.maxStringBytes = 1 << 20
        let back = try NumpyFile.read(bytes: bytes, limits: limits)
        #expect(back == t)
    }

    @Test func tensorWritersAreAtomic() throws {
        let dir = try TempDir()
        let good = TensorData(name: "t", dims: [2], floats: [1, 2])
        for (path, write) in [(dir.path + "/t.pb", { (t: TensorData, p: String) throws(FormatError) in try TensorFile.write(t, to: p) }),
                              (dir.path + "/t.npy", { (t: TensorData, p: String) throws(FormatError) in try NumpyFile.write(t, to: p) })] {
            try write(good, path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            // A tensor the writer refuses leaves the old file and no temporary.
            let bad = TensorData(name: "t", elementType: .string, dims: [1], storage: .strings([[1]]))
            if path.hasSuffix(".npy") {
                #expect(throws: FormatError.self) { try write(bad, path) }
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            // A destination in a missing directory fails and leaves nothing.
            #expect(throws: FormatError.self) { try write(good, dir.path + "/missing/x") }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["t.npy", "t.pb"])
    }
}
