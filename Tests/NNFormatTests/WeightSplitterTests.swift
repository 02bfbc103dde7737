import Foundation
import TestSupport
import Testing
@testable import NNFormat

#if canImport(Glibc)
import Glibc
#endif

/// The reader's split path (large initializer payloads copied once, straight from the file or the
/// caller's bytes into the tensors) against parsing the whole bytes with protobuf-c.
@Suite struct WeightSplitterTests {
    typealias Outcome = Result<Model, FormatError>

    func outcome(_ body: () throws(FormatError) -> Model) -> Outcome {
        do throws(FormatError) { return .success(try body()) } catch { return .failure(error) }
    }

    /// Both ways of reading in-memory bytes.
    func bothWays(_ bytes: [UInt8], options: ReadOptions = ReadOptions()) -> (split: Outcome, whole: Outcome) {
        bytes.withUnsafeBytes { raw in
            (outcome { () throws(FormatError) in try ModelReader.read(.memory(raw), source: "m.onnx", options: options) },
             outcome { () throws(FormatError) in try ModelReader.read(.memory(raw), source: "m.onnx", options: options, splitting: false) })
        }
    }

    static func raw<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    static let weights: [Float] = {
        var r = SplitMix(state: 7)
        return r.floats(16 * 64)
    }()
    static let indices: [Int64] = (0..<300).map { Int64($0) * 1_000_003 - 77 }
    static let doubles: [Double] = (0..<200).map { Double($0) / 7 }
    static let octets: [UInt8] = (0..<2000).map { UInt8(truncatingIfNeeded: $0 * 31) }
    static let typedFloats: [Float] = (0..<500).map { Float($0) * 0.5 }

    /// Initializers of every kind the splitter meets: large raw payloads (float, int64, double,
    /// uint8; one with raw_data before its dims), a small raw one, typed float_data, and a 24-byte
    /// raw_data shaped like a marker.
    static func model(graphTwice: Bool = false) -> [UInt8] {
        let w = ProtoBytes.tensor(name: "w", dims: [16, 64], raw: raw(weights))
        let i = ProtoBytes.tensor(name: "i", dims: [300], dataType: 7, raw: raw(indices))
        let d = ProtoBytes.tensor(name: "d", dims: [200], dataType: 11, raw: raw(doubles))
        let u = ProtoBytes.tensor(name: "u", dims: [2000], dataType: 2, raw: octets)
        let s = ProtoBytes.tensor(name: "s", dims: [4], raw: raw([Float(1), 2, 3, 4]))
        let f = ProtoBytes.tensor(name: "f", dims: [500], raw: nil) { $0.bytes(4, raw(typedFloats)) }
        var early = ProtoBytes()
        early.bytes(9, raw(Array(weights[0..<400])))
        early.string(8, "early")
        early.int(2, 1)
        early.int(1, 400)
        let forged = ProtoBytes.tensor(name: "forged", dims: [6], raw: (0..<24).map { UInt8($0) })
        var constant = ProtoBytes.node("Constant", inputs: [], outputs: ["c"])
        constant.message(5) { a in
            a.string(1, "value")
            a.int(20, 4)
            a.bytes(5, ProtoBytes.tensor(name: "", dims: [1024], raw: raw([Float](repeating: 0.25, count: 1024))).bytes)
        }
        let bytes = ProtoBytes.model(nodes: [constant], initializers: [w, i, d, u, s, f, early, forged], outputs: ["x", "c"])
        guard graphTwice else { return bytes }
        // A second graph field: protobuf merges it into the first (its initializers are appended).
        var m = ProtoBytes(bytes: bytes)
        m.message(7) { g in g.bytes(5, ProtoBytes.tensor(name: "w2", dims: [2, 512], raw: raw(Array(weights[0..<1024]))).bytes) }
        return m.bytes
    }

    func initializer(_ name: String, _ model: Model) -> TensorData? {
        model.graph.initializers.first { $0.name == name }
    }

    @Test func splitAndWholeReadsAgreeAndHoldTheWrittenValues() throws {
        let bytes = Self.model()
        let (split, whole) = bothWays(bytes)
        let model = try split.get()
        #expect(split == whole)
        #expect(initializer("w", model)?.floats == Self.weights)
        #expect(initializer("i", model)?.storage == .int64(Self.indices))
        #expect(initializer("d", model)?.storage == .double(Self.doubles))
        #expect(initializer("u", model)?.storage == .raw(Self.octets))
        #expect(initializer("s", model)?.floats == [1, 2, 3, 4])
        #expect(initializer("f", model)?.floats == Self.typedFloats)
        #expect(initializer("early", model)?.floats == Array(Self.weights[0..<400]))
        #expect(initializer("forged", model)?.storage == .float(Self.raw((0..<24).map { UInt8($0) }).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }))
        guard case .tensor(let c)? = model.graph.nodes.first?.attributes["value"] else { Issue.record("no Constant value"); return }
        #expect(c.floats == [Float](repeating: 0.25, count: 1024))
    }

    @Test func largePayloadsStayInTheSource() throws {
        let bytes = Self.model()
        let split = try #require(bytes.withUnsafeBytes { WeightSplitter.split(.memory($0)) })
        // w, i, d, u and early; the small, typed and forged tensors and the Constant's stay inline.
        #expect(split.extents.count == 5)
        let left = split.extents.reduce(0) { $0 + $1.length }
        #expect(left == 4096 + 2400 + 1600 + 2000 + 1600)
        #expect(split.structure.count < bytes.count - left + 5 * 40)
        for e in split.extents { #expect(e.offset > 0 && e.offset + e.length <= bytes.count) }
    }

    @Test func aSecondGraphFieldMergesTheSameWay() throws {
        let (split, whole) = bothWays(Self.model(graphTwice: true))
        #expect(split == whole)
        #expect(initializer("w2", try split.get())?.floats == Array(Self.weights[0..<1024]))
    }

    @Test func aTensorWithTwoRawDataFieldsKeepsTheLast() throws {
        let t = ProtoBytes.tensor(name: "t", dims: [512], raw: Self.raw(Self.weights)) { $0.bytes(9, Self.raw(Array(Self.weights[0..<512]))) }
        let bytes = ProtoBytes.model(initializers: [t], outputs: ["x"])
        #expect(bytes.withUnsafeBytes { WeightSplitter.split(.memory($0)) } == nil)
        let (split, whole) = bothWays(bytes)
        #expect(split == whole)
        #expect(initializer("t", try split.get())?.floats == Array(Self.weights[0..<512]))
    }

    @Test func wrongSizedLargePayloadsAreRefusedLikeBefore() {
        let t = ProtoBytes.tensor(name: "t", dims: [1000], raw: Self.raw(Self.weights))
        let (split, whole) = bothWays(ProtoBytes.model(initializers: [t], outputs: ["x"]))
        #expect(split == whole)
        guard case .failure(.tensorDataMismatch(_, "t", let detail)) = split else { Issue.record("\(split)"); return }
        #expect(detail.contains("raw_data has 4096"))
        // Over the total-bytes limit.
        var limits = ReadOptions.Limits()
        limits.maxTotalTensorBytes = 4000
        let limited = bothWays(Self.model(), options: ReadOptions(limits: limits))
        #expect(limited.split == limited.whole)
        guard case .failure(.limitExceeded(_, "total tensor bytes", _, 4000)) = limited.split else { Issue.record("\(limited.split)"); return }
    }

    @Test func bitFlipsAndCutsReadTheSameBothWays() {
        var rng = SplitMix(state: 11)
        let good = Self.model()
        for i in 0..<400 {
            var bytes = good
            for _ in 0..<(1 + i % 4) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            }
            let flipped = bothWays(bytes)
            #expect(flipped.split == flipped.whole, "flips \(i)")
            let cut = bothWays(Array(good[..<Int.random(in: 0..<good.count, using: &rng)]))
            #expect(cut.split == cut.whole, "cut \(i)")
        }
    }

    @Test func filesReadLikeTheirBytesAndTruncatedFilesFailCleanly() throws {
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        let good = Self.model()
        var rng = SplitMix(state: 5)
        let cuts = [good.count, good.count - 1, good.count / 2, 3000, 100, 7, 0] + (0..<20).map { _ in Int.random(in: 0..<good.count, using: &rng) }
        for cut in cuts {
            let bytes = Array(good[..<cut])
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let file = outcome { () throws(FormatError) in try ModelReader.read(contentsOf: path) }
            let memory = outcome { () throws(FormatError) in try ModelReader.read(bytes: bytes, source: path) }
            #expect(file == memory, "cut at \(cut)")
            if cut < good.count, case .success = file { Issue.record("cut at \(cut) accepted") }
        }
    }

    @Test func tensorsStayValidAfterTheFileChanges() throws {
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        try Data(Self.model()).write(to: URL(fileURLWithPath: path))
        let model = try ModelReader.read(contentsOf: path)
        try Data(repeating: 0xff, count: 100).write(to: URL(fileURLWithPath: path))
        unlink(path)
        #expect(initializer("w", model)?.floats == Self.weights)
        #expect(initializer("early", model)?.floats == Array(Self.weights[0..<400]))
    }

    @Test func aFileThatShrinksWhileReadFailsWithAnError() throws {
        let dir = try TempDir()
        let path = dir.path + "/m.onnx"
        let bytes = Self.model()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        // The size taken when the file was opened is larger than what is there now.
        #expect(truncate(path, off_t(bytes.count - 2000)) == 0)
        let source = ModelSource.file(fd: fd, size: bytes.count, path: path)
        let read = outcome { () throws(FormatError) in try ModelReader.read(source, source: path, options: ReadOptions()) }
        #expect(read == .failure(.unreadable(source: path, reason: "file shrank while being read")))
        // A payload read after the split (the file shrank between the two).
        #expect(throws: FormatError.unreadable(source: path, reason: "file shrank while being read")) {
            _ = try source.array(of: Float.self, count: 1024, offset: bytes.count - 4096, length: 4096)
        }
    }
}
