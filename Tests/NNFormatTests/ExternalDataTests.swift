import Foundation
import Testing
@testable import NNFormat

@Suite struct ExternalDataTests {
    func externalModel(location: String, offset: Int? = nil, length: Int? = nil) -> [UInt8] {
        let t = ProtoBytes.tensor(name: "w", dims: [2], raw: nil) { t in
            t.message(13) { $0.string(1, "location"); $0.string(2, location) }
            if let offset { t.message(13) { $0.string(1, "offset"); $0.string(2, String(offset)) } }
            if let length { t.message(13) { $0.string(1, "length"); $0.string(2, String(length)) } }
            t.int(14, 1)
        }
        return ProtoBytes.model(nodes: [ProtoBytes.node("Add", inputs: ["x", "w"], outputs: ["y"])], initializers: [t])
    }

    func write(_ dir: TempDir, _ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path + "/" + name))
    }

    @Test func readsDataBesideTheModelWhenAllowed() throws {
        let dir = try TempDir()
        let data: [UInt8] = [0, 0, 0, 0] + [Float(1.5), -3].withUnsafeBytes { Array($0) }
        try write(dir, "m.onnx.data", data)
        try write(dir, "m.onnx", externalModel(location: "m.onnx.data", offset: 4, length: 8))
        let model = try ModelReader.read(contentsOf: dir.path + "/m.onnx", options: ReadOptions(externalData: .allowModelDirectory))
        #expect(model.graph.initializers[0].floats == [1.5, -3])
    }

    @Test func deniedByDefault() throws {
        let dir = try TempDir()
        try write(dir, "m.onnx.data", [UInt8](repeating: 0, count: 8))
        try write(dir, "m.onnx", externalModel(location: "m.onnx.data"))
        #expect {
            try ModelReader.read(contentsOf: dir.path + "/m.onnx")
        } throws: { e in
            guard case FormatError.externalData(_, let t, let d) = e else { return false }
            return t == "w" && d.contains("not allowed")
        }
    }

    @Test(arguments: ["../secret.bin", "/etc/passwd", "sub/../../x", "missing.bin", "link.bin"])
    func refusesPathsLeavingTheDirectory(location: String) throws {
        let dir = try TempDir()
        let outside = try TempDir()
        try Data(count: 8).write(to: URL(fileURLWithPath: outside.path + "/target.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link.bin", withDestinationPath: outside.path + "/target.bin")
        try write(dir, "m.onnx", externalModel(location: location))
        #expect {
            try ModelReader.read(contentsOf: dir.path + "/m.onnx", options: ReadOptions(externalData: .allowModelDirectory))
        } throws: { e in
            guard case FormatError.externalData = e else { return false }
            return true
        }
    }

    @Test func offsetAndLengthAreChecked() throws {
        let dir = try TempDir()
        try write(dir, "d.bin", [UInt8](repeating: 0, count: 8))
        for (offset, length) in [(4, 8), (0, 4), (100, 8)] {
            try write(dir, "m.onnx", externalModel(location: "d.bin", offset: offset, length: length))
            #expect(throws: FormatError.self) {
                try ModelReader.read(contentsOf: dir.path + "/m.onnx", options: ReadOptions(externalData: .allowModelDirectory))
            }
        }
    }
}
