import Foundation
import Testing
@testable import NNFormat

@Suite struct RoundTripTests {
    @Test(arguments: [false, true])
    func builderModelsRoundTrip(bnAfterReLU: Bool) throws {
        let model = try Fixtures.lenet(bnAfterReLU: bnAfterReLU)
        let bytes = try ModelWriter.serialize(model)
        let back = try ModelReader.read(bytes: bytes)
        #expect(back == model)
        // Deterministic: the same model always gives the same bytes.
        #expect(try ModelWriter.serialize(back) == bytes)
    }

    @Test func residualModelRoundTrips() throws {
        let model = try Fixtures.tinyResNet()
        let back = try ModelReader.read(bytes: try ModelWriter.serialize(model))
        #expect(back == model)
        #expect(back.graph.nodes.filter { $0.opType == "Add" }.count == 2)
    }

    @Test func builderEmitsStandardNodes() throws {
        let model = try Fixtures.lenet(bnAfterReLU: true)
        let ops = model.graph.nodes.map(\.opType)
        #expect(ops == ["Conv", "Relu", "BatchNormalization", "MaxPool", "Conv", "Relu", "BatchNormalization", "MaxPool", "Flatten", "Gemm", "Relu", "Dropout", "Gemm"])
        let bn = try #require(model.graph.nodes.first { $0.opType == "BatchNormalization" })
        #expect(bn.inputs.count == 5)
        #expect(bn.attributes["epsilon"] == .float(1e-5))
        let dropout = try #require(model.graph.nodes.first { $0.opType == "Dropout" })
        #expect(dropout.outputs.count == 1)
        let ratio = try #require(model.graph.initializers.first { $0.name == dropout.inputs[1] })
        #expect(ratio.floats == [0.5])
        #expect(model.graph.inputs[0].type?.shape?.first == .symbol("N"))
        #expect(model.graph.outputs.map(\.name) == ["output"])
        let meta = try ModelMetadata(from: model)
        #expect(meta.labels?.count == 10)
        #expect(meta.preprocessing?.color == "gray")
        #expect(meta.output == "logits")
        #expect(model[metadata: ModelMetadata.Key.version] == "1")
    }

    @Test func allAttributeKindsAndTensorTypesRoundTrip() throws {
        let body = Graph(name: "body", nodes: [Node(opType: "Identity", inputs: ["x"], outputs: ["z"])], outputs: [ValueInfo(name: "z", type: nil)])
        let tensors: [TensorData] = [
            TensorData(name: "f", dims: [2], floats: [1.5, -2]),
            TensorData(name: "i", dims: [3], int64s: [1, -2, Int64.max]),
            TensorData(name: "i32", elementType: .int32, dims: [1], storage: .int32([-7])),
            TensorData(name: "d", elementType: .double, dims: [1], storage: .double([3.25])),
            TensorData(name: "u8", elementType: .uint8, dims: [2, 2], storage: .raw([1, 2, 3, 255])),
            TensorData(name: "b", elementType: .bool, dims: [2], storage: .raw([0, 1])),
            TensorData(name: "h", elementType: .float16, dims: [1], storage: .raw([0, 0x3c])),
            TensorData(name: "s", elementType: .string, dims: [2], storage: .strings([Array("ab".utf8), []])),
            TensorData(name: "q4", elementType: .int4, dims: [3], storage: .raw([0x21, 0x03])),
            TensorData(name: "scalar", elementType: .float, dims: [], storage: .float([4])),
            TensorData(name: "empty", elementType: .float, dims: [0, 3], storage: .float([])),
        ]
        let node = Node(name: "n", opType: "Custom", domain: "test.domain", inputs: ["x", ""], outputs: ["y"], attributes: [
            "f": .float(0.5), "i": .int(-3), "s": .string("SAME_UPPER"), "t": .tensor(tensors[0]), "g": .graph(body),
            "fs": .floats([1, 2]), "is": .ints([4, 5]), "ss": .strings(["a", "b"]), "ts": .tensors([tensors[1]]), "gs": .graphs([body, body]),
        ], docString: "doc")
        let graph = Graph(
            name: "g", nodes: [node], initializers: tensors, inputs: [ValueInfo(name: "x", type: TensorType(elementType: .float, shape: [.symbol("batch"), .value(3), .unknown]))],
            outputs: [ValueInfo(name: "y", type: nil)])
        let model = Model(opsetImports: [OpsetID(version: 13), OpsetID(domain: "test.domain", version: 1)], producerName: "p", producerVersion: "1", domain: "d", modelVersion: 7, docString: "m", graph: graph, metadata: [MetadataEntry(key: "k", value: "v")])
        let back = try ModelReader.read(bytes: try ModelWriter.serialize(model))
        #expect(back == model)
    }

    @Test func tensorFilesRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnformat-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = TensorData(name: "x", dims: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        try TensorFile.write(t, to: dir + "/x.pb")
        #expect(try TensorFile.read(contentsOf: dir + "/x.pb") == t)
    }

    @Test func typedRepeatedFieldsReadLikeRawData() throws {
        // float_data (field 4, packed) and int64_data (field 7, packed) instead of raw_data.
        var floats = ProtoBytes.tensor(name: "w", dims: [2], raw: nil)
        floats.bytes(4, [Float(1.5), 2.5].withUnsafeBytes { Array($0) })
        var ints = ProtoBytes.tensor(name: "s", dims: [2], dataType: 7, raw: nil)
        var packed = ProtoBytes()
        packed.varint(3); packed.varint(UInt64(bitPattern: -1))
        ints.bytes(7, packed.bytes)
        let bytes = ProtoBytes.model(nodes: [ProtoBytes.node("Add", inputs: ["x", "w"], outputs: ["y"])], initializers: [floats, ints])
        let model = try ModelReader.read(bytes: bytes)
        #expect(model.graph.initializers[0].floats == [1.5, 2.5])
        #expect(model.graph.initializers[1].int64s == [3, -1])
    }

    @Test func unknownFieldsFromNewerOnnxAreSkipped() throws {
        var bytes = ProtoBytes.model(nodes: [ProtoBytes.node("Relu", inputs: ["x"], outputs: ["y"])])
        var extra = ProtoBytes()
        extra.message(25) { $0.string(1, "a function we do not know") }  // ModelProto.functions
        extra.int(99, 42)
        bytes += extra.bytes
        let model = try ModelReader.read(bytes: bytes)
        #expect(model.graph.nodes.map(\.opType) == ["Relu"])
    }
}
