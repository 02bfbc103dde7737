import Foundation
import Testing
@testable import NNFormat

/// Every ONNX backend test model and tensor file (materialized by tools/materialize-node-tests;
/// the test command points `NNINFER_ONNX_TESTS` at them) reads without error, and
/// write(read(f)) reads back to the same model.
@Test(.enabled(if: ProcessInfo.processInfo.environment["NNINFER_ONNX_TESTS"] != nil, "set NNINFER_ONNX_TESTS to the materialized ONNX backend tests"))
func everyBackendTestFileReadsAndRoundTrips() throws {
    let root = try #require(ProcessInfo.processInfo.environment["NNINFER_ONNX_TESTS"])
    let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
    var models = 0, tensors = 0, notWritable: [String] = []
    for relative in files.sorted() {
        let path = root + "/" + relative
        if relative.hasSuffix("model.onnx") {
            let model = try ModelReader.read(contentsOf: path, options: ReadOptions(externalData: .allowModelDirectory))
            models += 1
            let bytes: [UInt8]
            do {
                bytes = try ModelWriter.serialize(model)
            } catch {
                // Only attribute kinds this format does not carry (sparse tensors, type protos) may refuse.
                guard case .invalidModel(_, _, let detail) = error, detail.contains("unsupported type") else { throw error }
                notWritable.append(relative)
                continue
            }
            // Compared as bytes of the deterministic writer, so NaN constants compare equal.
            let back = try ModelReader.read(bytes: bytes)
            let same = try back == model || ModelWriter.serialize(back) == bytes
            #expect(same, "\(relative)")
        } else if relative.hasSuffix(".pb") {
            _ = try TensorFile.read(contentsOf: path)
            tensors += 1
        }
    }
    #expect(models > 1000)
    #expect(tensors > 3000)
    #expect(notWritable.count < 20, "\(notWritable)")
    print("backend test files: \(models) models and \(tensors) tensors read; \(models - notWritable.count) round-tripped; not writable (sparse/type-proto attributes): \(notWritable)")
}
