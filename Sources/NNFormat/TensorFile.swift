import CONNXProto

/// Reads and writes single tensors as serialized ONNX `TensorProto` files (the `.pb` files of
/// ONNX's backend test data).
public enum TensorFile {
    /// Reads a `TensorProto` file.
    public static func read(contentsOf path: String, limits: ReadOptions.Limits = .init()) throws(FormatError) -> TensorData {
        let bytes = try FileIO.read(path: path, maxBytes: limits.maxFileBytes)
        return try read(bytes: bytes, source: path, limits: limits)
    }

    /// Reads a `TensorProto` from bytes.
    public static func read(bytes: [UInt8], source: String = "<memory>", limits: ReadOptions.Limits = .init()) throws(FormatError) -> TensorData {
        var decoder = ProtoDecoder(source: source, limits: limits)
        let tensor = try withBytes(bytes) { raw throws(FormatError) -> TensorData in
            switch WireScanner.scan(raw, schema: .leaf) {
            case .wellFormed, .tooDeep: break
            case .truncated(let d): throw .truncated(source: source, detail: d)
            case .malformed(let d): throw .notProtobuf(source: source, detail: d)
            }
            guard let proto = onnx__tensor_proto__unpack(nil, raw.count, raw.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
                throw .notProtobuf(source: source, detail: "the bytes do not parse as an ONNX TensorProto")
            }
            defer { onnx__tensor_proto__free_unpacked(proto, nil) }
            if proto.pointee.has_data_type == 0 && proto.pointee.n_dims == 0 && proto.pointee.has_raw_data == 0 {
                throw .notProtobuf(source: source, detail: "no tensor in the file (no data type, dims or data)")
            }
            return try decoder.tensor(proto, slot: .standalone)
        }
        if !decoder.externalTensors.isEmpty {
            throw .externalData(source: source, tensor: tensor.name, detail: "a tensor file cannot refer to external data")
        }
        return tensor
    }

    /// Serializes a tensor as a `TensorProto`.
    public static func serialize(_ tensor: TensorData) throws(FormatError) -> [UInt8] {
        let encoder = ProtoEncoder(destination: "<memory>")
        let proto = try encoder.tensor(tensor)
        let size = onnx__tensor_proto__get_packed_size(proto)
        // protobuf-c cannot read back a field of 2 GiB or more (and packs 4 GiB wrongly).
        guard size <= ModelWriter.maxModelBytes else {
            throw .limitExceeded(source: "<memory>", what: "serialized tensor size", value: size, limit: ModelWriter.maxModelBytes)
        }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = onnx__tensor_proto__pack(proto, buffer.baseAddress)
        }
    }

    /// Writes a tensor to `path` atomically.
    public static func write(_ tensor: TensorData, to path: String) throws(FormatError) {
        try FileIO.writeAtomically(try serialize(tensor), to: path)
    }
}
