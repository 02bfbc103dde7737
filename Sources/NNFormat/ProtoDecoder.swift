#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CONNXProto

/// Converts protobuf-c's unpacked structs into Swift values, checking limits as it goes.
///
/// This and `ProtoEncoder` are the only places that see protobuf-c types.
struct ProtoDecoder {
    let source: String
    let limits: ReadOptions.Limits
    private(set) var nodeCount = 0
    private(set) var tensorBytes = 0
    /// Tensors whose data lives in external files, resolved after decoding.
    private(set) var externalTensors: [ExternalReference] = []
    /// While a split model is decoded: its markers and where the marked payloads are read from.
    var payloads: (split: WeightSplitter.Split, input: ModelSource)?

    /// Where an external tensor's data is, as the file says (not yet checked).
    struct ExternalReference {
        var tensorName: String
        var location: String
        var offset: String?
        var length: String?
        /// The path of the tensor inside the model: graph index path for later substitution.
        var slot: TensorSlot
    }

    /// Where a decoded tensor sits, so external data can be put in place later.
    enum TensorSlot {
        case initializer(graphPath: [GraphStep], index: Int)
        case attribute(graphPath: [GraphStep], node: Int, name: String, listIndex: Int?)
        case standalone
    }

    /// One step down into a subgraph: node index, attribute name, and list index for GRAPHS.
    struct GraphStep: Equatable {
        var node: Int
        var attribute: String
        var listIndex: Int?
    }

    init(source: String, limits: ReadOptions.Limits) {
        self.source = source
        self.limits = limits
    }

    mutating func model(_ m: UnsafePointer<Onnx__ModelProto>) throws(FormatError) -> Model {
        let p = m.pointee
        guard let g = p.graph else {
            throw .invalidModel(source: source, context: "model", detail: "the file has no graph (is it an ONNX model?)")
        }
        var opsets: [OpsetID] = []
        for i in 0..<p.n_opset_import {
            guard let o = p.opset_import[i] else { continue }
            opsets.append(OpsetID(domain: try string(o.pointee.domain, "opset domain"), version: o.pointee.version))
        }
        var metadata: [MetadataEntry] = []
        for i in 0..<p.n_metadata_props {
            guard let e = p.metadata_props[i] else { continue }
            metadata.append(MetadataEntry(key: try string(e.pointee.key, "metadata key"), value: try string(e.pointee.value, "metadata value")))
        }
        return Model(
            irVersion: p.has_ir_version != 0 ? p.ir_version : 0,
            opsetImports: opsets,
            producerName: try string(p.producer_name, "producer_name"),
            producerVersion: try string(p.producer_version, "producer_version"),
            domain: try string(p.domain, "domain"),
            modelVersion: p.has_model_version != 0 ? p.model_version : 0,
            docString: try string(p.doc_string, "doc_string"),
            graph: try graph(g, path: []),
            metadata: metadata)
    }

    mutating func graph(_ gp: UnsafePointer<Onnx__GraphProto>, path: [GraphStep]) throws(FormatError) -> Graph {
        if path.count > limits.maxGraphDepth {
            throw .limitExceeded(source: source, what: "subgraph nesting depth", value: path.count, limit: limits.maxGraphDepth)
        }
        let g = gp.pointee
        nodeCount += g.n_node
        if nodeCount > limits.maxNodes {
            throw .limitExceeded(source: source, what: "node count", value: nodeCount, limit: limits.maxNodes)
        }
        var graph = Graph(name: try string(g.name, "graph name"), docString: try string(g.doc_string, "graph doc_string"))
        graph.initializers.reserveCapacity(g.n_initializer)
        for i in 0..<g.n_initializer {
            guard let t = g.initializer[i] else { continue }
            graph.initializers.append(try tensor(t, slot: .initializer(graphPath: path, index: i)))
        }
        for i in 0..<g.n_input { if let v = g.input[i] { graph.inputs.append(try valueInfo(v)) } }
        for i in 0..<g.n_output { if let v = g.output[i] { graph.outputs.append(try valueInfo(v)) } }
        for i in 0..<g.n_value_info { if let v = g.value_info[i] { graph.valueInfo.append(try valueInfo(v)) } }
        graph.nodes.reserveCapacity(g.n_node)
        for i in 0..<g.n_node {
            guard let n = g.node[i] else { continue }
            graph.nodes.append(try node(n, index: graph.nodes.count, path: path))
        }
        return graph
    }

    mutating func node(_ np: UnsafePointer<Onnx__NodeProto>, index: Int, path: [GraphStep]) throws(FormatError) -> Node {
        let n = np.pointee
        var node = Node(
            name: try string(n.name, "node name"), opType: try string(n.op_type, "op_type"),
            domain: try string(n.domain, "node domain"), inputs: [], outputs: [], docString: try string(n.doc_string, "node doc_string"))
        for i in 0..<n.n_input { node.inputs.append(try string(n.input[i], "node input")) }
        for i in 0..<n.n_output { node.outputs.append(try string(n.output[i], "node output")) }
        for i in 0..<n.n_attribute {
            guard let a = n.attribute[i] else { continue }
            let name = try string(a.pointee.name, "attribute name")
            if node.attributes[name] != nil {
                throw .invalidModel(source: source, context: "node '\(node.displayName)'", detail: "attribute '\(name)' appears twice")
            }
            node.attributes[name] = try attribute(a, name: name, node: node, index: index, path: path)
        }
        return node
    }

    mutating func attribute(
        _ ap: UnsafePointer<Onnx__AttributeProto>, name: String, node: Node, index: Int, path: [GraphStep]
    ) throws(FormatError) -> Attribute {
        let a = ap.pointee
        let context = "node '\(node.displayName)' attribute '\(name)'"
        // Files from IR version 1 omit `type`; infer it from the field that is set.
        var type = a.has_type != 0 ? Int32(bitPattern: UInt32(a.type.rawValue)) : 0
        if type == 0 {
            if a.has_f != 0 { type = 1 } else if a.has_i != 0 { type = 2 } else if a.has_s != 0 { type = 3 }
            else if a.t != nil { type = 4 } else if a.g != nil { type = 5 } else if a.n_floats > 0 { type = 6 }
            else if a.n_ints > 0 { type = 7 } else if a.n_strings > 0 { type = 8 } else if a.n_tensors > 0 { type = 9 }
            else if a.n_graphs > 0 { type = 10 }
        }
        switch type {
        case 1: return .float(a.f)
        case 2: return .int(a.i)
        case 3: return .string(try bytesString(a.s, context))
        case 4:
            guard let t = a.t else { throw .invalidModel(source: source, context: context, detail: "TENSOR attribute without a tensor") }
            return .tensor(try tensor(t, slot: .attribute(graphPath: path, node: index, name: name, listIndex: nil)))
        case 5:
            guard let g = a.g else { throw .invalidModel(source: source, context: context, detail: "GRAPH attribute without a graph") }
            return .graph(try graph(g, path: path + [GraphStep(node: index, attribute: name, listIndex: nil)]))
        case 6: return .floats(Array(UnsafeBufferPointer(start: a.floats, count: a.n_floats)))
        case 7: return .ints(Array(UnsafeBufferPointer(start: a.ints, count: a.n_ints)))
        case 8:
            var out: [String] = []
            for i in 0..<a.n_strings { out.append(try bytesString(a.strings[i], context)) }
            return .strings(out)
        case 9:
            var out: [TensorData] = []
            for i in 0..<a.n_tensors {
                guard let t = a.tensors[i] else { continue }
                out.append(try tensor(t, slot: .attribute(graphPath: path, node: index, name: name, listIndex: i)))
            }
            return .tensors(out)
        case 10:
            var out: [Graph] = []
            for i in 0..<a.n_graphs {
                guard let g = a.graphs[i] else { continue }
                out.append(try graph(g, path: path + [GraphStep(node: index, attribute: name, listIndex: i)]))
            }
            return .graphs(out)
        case 0: throw .invalidModel(source: source, context: context, detail: "attribute has no value")
        default: return .unsupported(typeCode: type)
        }
    }

    mutating func valueInfo(_ vp: UnsafePointer<Onnx__ValueInfoProto>) throws(FormatError) -> ValueInfo {
        let v = vp.pointee
        let name = try string(v.name, "value name")
        var type: TensorType?
        if let tp = v.type, tp.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tt = tp.pointee.tensor_type {
            let code = tt.pointee.has_elem_type != 0 ? tt.pointee.elem_type : 0
            guard let et = ElementType(rawValue: code) else {
                throw .invalidModel(source: source, context: "value '\(name)'", detail: "unknown element type \(code)")
            }
            var shape: [Dimension]?
            if let sp = tt.pointee.shape {
                var dims: [Dimension] = []
                for i in 0..<sp.pointee.n_dim {
                    guard let d = sp.pointee.dim[i] else { dims.append(.unknown); continue }
                    switch d.pointee.value_case {
                    case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                        let value = d.pointee.dim_value
                        guard value >= 0, value <= limits.maxDimension else {
                            throw .invalidShape(source: source, context: "value '\(name)'", detail: "dimension \(i) is \(value)")
                        }
                        dims.append(.value(Int(value)))
                    case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                        let s = try string(d.pointee.dim_param, "dim_param")
                        dims.append(s.isEmpty ? .unknown : .symbol(s))
                    default:
                        dims.append(.unknown)
                    }
                }
                shape = dims
            }
            type = TensorType(elementType: et, shape: shape)
        }
        return ValueInfo(name: name, type: type, docString: try string(v.doc_string, "value doc_string"))
    }

    mutating func tensor(_ tp: UnsafePointer<Onnx__TensorProto>, slot: TensorSlot) throws(FormatError) -> TensorData {
        let t = tp.pointee
        let name = try string(t.name, "tensor name")
        let context = name.isEmpty ? "<unnamed>" : name
        let code = t.has_data_type != 0 ? t.data_type : 0
        guard let type = ElementType(rawValue: code), type != .undefined else {
            throw .tensorDataMismatch(source: source, tensor: context, detail: "unknown or missing data type \(code)")
        }
        var dims: [Int] = []
        dims.reserveCapacity(t.n_dims)
        var count = 1
        for i in 0..<t.n_dims {
            let d = t.dims[i]
            guard d >= 0, d <= limits.maxDimension else {
                throw .invalidShape(source: source, context: "tensor '\(context)'", detail: "dimension \(i) is \(d)")
            }
            let (c, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow else {
                throw .invalidShape(source: source, context: "tensor '\(context)'", detail: "dimensions \(Array(UnsafeBufferPointer(start: t.dims, count: t.n_dims))) overflow when multiplied")
            }
            count = c
            dims.append(Int(d))
        }
        if count > limits.maxTensorElements {
            throw .limitExceeded(source: source, what: "element count of tensor '\(context)'", value: count, limit: limits.maxTensorElements)
        }
        let doc = try string(t.doc_string, "tensor doc_string")
        let isExternal = t.has_data_location != 0 && t.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
        if isExternal {
            var ref = ExternalReference(tensorName: context, location: "", offset: nil, length: nil, slot: slot)
            for i in 0..<t.n_external_data {
                guard let e = t.external_data[i] else { continue }
                let key = try string(e.pointee.key, "external_data key")
                let value = try string(e.pointee.value, "external_data value")
                switch key {
                case "location": ref.location = value
                case "offset": ref.offset = value
                case "length": ref.length = value
                default: break
                }
            }
            externalTensors.append(ref)
            // The data is put in place by the reader once the external file has been checked.
            return TensorData(name: name, elementType: type, dims: dims, storage: .raw([]), docString: doc)
        }
        let storage = try TensorDecoding.storage(of: t, type: type, count: count, tensor: context, source: source, payloads: payloads)
        let bytes = type.byteCount(elements: count) ?? 0
        tensorBytes += bytes
        if tensorBytes > limits.maxTotalTensorBytes {
            throw .limitExceeded(source: source, what: "total tensor bytes", value: tensorBytes, limit: limits.maxTotalTensorBytes)
        }
        return TensorData(name: name, elementType: type, dims: dims, storage: storage, docString: doc)
    }

    mutating func addExternalBytes(_ n: Int) throws(FormatError) {
        tensorBytes += n
        if tensorBytes > limits.maxTotalTensorBytes {
            throw .limitExceeded(source: source, what: "total tensor bytes", value: tensorBytes, limit: limits.maxTotalTensorBytes)
        }
    }

    func string(_ p: UnsafeMutablePointer<CChar>?, _ what: String) throws(FormatError) -> String {
        guard let p else { return "" }
        let n = strlen(p)
        if n > limits.maxStringBytes {
            throw .limitExceeded(source: source, what: "length of a \(what)", value: n, limit: limits.maxStringBytes)
        }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    func bytesString(_ b: ProtobufCBinaryData, _ context: String) throws(FormatError) -> String {
        if b.len > limits.maxStringBytes {
            throw .limitExceeded(source: source, what: "length of \(context)", value: b.len, limit: limits.maxStringBytes)
        }
        return String(decoding: UnsafeRawBufferPointer(start: b.data, count: b.len), as: UTF8.self)
    }
}
