import CONNXProto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads ONNX model files into `Model` values, validating everything it reads.
///
/// ```swift
/// let model = try ModelReader.read(contentsOf: "lenet.onnx")
/// ```
public enum ModelReader {
    /// Reads and validates the model file at `path`.
    ///
    /// External tensor data is read only when `options.externalData` allows it, and only from
    /// files inside the allowed directory.
    public static func read(contentsOf path: String, options: ReadOptions = ReadOptions()) throws(FormatError) -> Model {
        let bytes = try FileIO.read(path: path, maxBytes: options.limits.maxFileBytes)
        var resolved = options
        if case .allowModelDirectory = options.externalData {
            resolved.externalData = .allow(directory: FileIO.directory(of: path))
        }
        return try read(bytes: bytes, source: path, options: resolved)
    }

    /// Reads and validates a model from bytes; `source` names them in errors.
    public static func read(bytes: [UInt8], source: String = "<memory>", options: ReadOptions = ReadOptions()) throws(FormatError) -> Model {
        if bytes.count > options.limits.maxFileBytes {
            throw .limitExceeded(source: source, what: "model size", value: bytes.count, limit: options.limits.maxFileBytes)
        }
        var decoder = ProtoDecoder(source: source, limits: options.limits)
        var model = try withBytes(bytes) { raw throws(FormatError) -> Model in
            try checkWireFormat(raw, source: source, maxGraphDepth: options.limits.maxGraphDepth)
            guard let proto = onnx__model_proto__unpack(nil, raw.count, raw.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
                throw .notProtobuf(source: source, detail: "the bytes do not parse as an ONNX ModelProto")
            }
            defer { onnx__model_proto__free_unpacked(proto, nil) }
            return try decoder.model(proto)
        }
        if !decoder.externalTensors.isEmpty {
            try ExternalDataLoader.load(decoder.externalTensors, into: &model, policy: options.externalData, decoder: &decoder)
        }
        try ModelValidator.validate(model, source: source)
        return model
    }

    /// Explains malformed bytes before protobuf-c sees them (it reports failure without a reason).
    static func checkWireFormat(_ raw: UnsafeRawBufferPointer, source: String, maxGraphDepth: Int = ReadOptions.Limits().maxGraphDepth) throws(FormatError) {
        switch WireScanner.scan(raw, maxGraphDepth: maxGraphDepth) {
        case .wellFormed: break
        case .tooDeep(let depth):
            throw .limitExceeded(source: source, what: "subgraph nesting depth", value: depth, limit: maxGraphDepth)
        case .truncated(let detail): throw .truncated(source: source, detail: detail)
        case .malformed(let detail): throw .notProtobuf(source: source, detail: detail)
        }
    }
}
