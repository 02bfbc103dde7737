import CONNXProto

/// Writes `Model` values as ONNX files through protobuf-c.
///
/// The same model always gives the same bytes, and files are written atomically: an interrupted
/// or failed write leaves the old file (or none) at the destination, never a truncated one.
public enum ModelWriter {
    /// The largest model protobuf can hold in one file; beyond it ONNX uses external data.
    public static let maxModelBytes = Int(Int32.max)

    /// Serializes a model to bytes.
    public static func serialize(_ model: Model) throws(FormatError) -> [UInt8] {
        try serialize(model, destination: "<memory>")
    }

    /// Writes a model to `path` atomically.
    public static func write(_ model: Model, to path: String) throws(FormatError) {
        let bytes = try serialize(model, destination: path)
        try FileIO.writeAtomically(bytes, to: path)
    }

    static func serialize(_ model: Model, destination: String) throws(FormatError) -> [UInt8] {
        let encoder = ProtoEncoder(destination: destination)
        let proto = try encoder.model(model)
        let size = onnx__model_proto__get_packed_size(proto)
        guard size <= maxModelBytes else {
            throw .limitExceeded(source: destination, what: "serialized model size", value: size, limit: maxModelBytes)
        }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = onnx__model_proto__pack(proto, buffer.baseAddress)
        }
    }
}
