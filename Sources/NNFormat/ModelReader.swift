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
        let file = try FileIO.openRegular(path: path, maxBytes: options.limits.maxFileBytes)
        defer { close(file.fd) }
        var resolved = options
        if case .allowModelDirectory = options.externalData {
            resolved.externalData = .allow(directory: FileIO.directory(of: path))
        }
        return try read(.file(fd: file.fd, size: file.size, path: path), source: path, options: resolved)
    }

    /// Reads and validates a model from bytes; `source` names them in errors.
    public static func read(bytes: [UInt8], source: String = "<memory>", options: ReadOptions = ReadOptions()) throws(FormatError) -> Model {
        if bytes.count > options.limits.maxFileBytes {
            throw .limitExceeded(source: source, what: "model size", value: bytes.count, limit: options.limits.maxFileBytes)
        }
        return try withBytes(bytes) { raw throws(FormatError) in try read(.memory(raw), source: source, options: options) }
    }

    /// Reads a model from a file or memory. Large initializer payloads are copied once, from the
    /// source into the tensors (see `WeightSplitter`); files the splitter leaves alone are parsed
    /// whole, as is everything when `splitting` is false (tests compare the two ways).
    static func read(_ input: ModelSource, source: String, options: ReadOptions, splitting: Bool = true) throws(FormatError) -> Model {
        var decoder = ProtoDecoder(source: source, limits: options.limits)
        var model: Model
        if splitting, let split = WeightSplitter.split(input), let m = try decodeSplit(split, from: input, decoder: &decoder) {
            model = m
        } else {
            decoder = ProtoDecoder(source: source, limits: options.limits)
            model = try input.withAllBytes(source: source) { raw throws(FormatError) -> Model in
                try decode(raw, source: source, options: options, decoder: &decoder)
            }
        }
        if !decoder.externalTensors.isEmpty {
            try ExternalDataLoader.load(decoder.externalTensors, into: &model, policy: options.externalData, decoder: &decoder)
        }
        try ModelValidator.validate(model, source: source)
        return model
    }

    /// Decodes a split model; nil when its structure does not check or parse (the whole bytes are
    /// then parsed, so that errors name places in the original bytes).
    private static func decodeSplit(_ split: WeightSplitter.Split, from input: ModelSource, decoder: inout ProtoDecoder) throws(FormatError) -> Model? {
        try withBytes(split.structure) { raw throws(FormatError) -> Model? in
            guard WireScanner.scan(raw, maxGraphDepth: decoder.limits.maxGraphDepth) == .wellFormed,
                  let proto = onnx__model_proto__unpack(nil, raw.count, raw.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
                return nil
            }
            defer { onnx__model_proto__free_unpacked(proto, nil) }
            decoder.payloads = (split, input)
            defer { decoder.payloads = nil }
            return try decoder.model(proto)
        }
    }

    /// Checks and decodes whole model bytes.
    private static func decode(_ raw: UnsafeRawBufferPointer, source: String, options: ReadOptions, decoder: inout ProtoDecoder) throws(FormatError) -> Model {
        try checkWireFormat(raw, source: source, maxGraphDepth: options.limits.maxGraphDepth)
        guard let proto = onnx__model_proto__unpack(nil, raw.count, raw.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            throw .notProtobuf(source: source, detail: "the bytes do not parse as an ONNX ModelProto")
        }
        defer { onnx__model_proto__free_unpacked(proto, nil) }
        return try decoder.model(proto)
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
