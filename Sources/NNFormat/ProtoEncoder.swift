import CONNXProto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds protobuf-c structs from Swift values for packing; owns every byte it allocates.
///
/// This and `ProtoDecoder` are the only places that see protobuf-c types. Output is deterministic:
/// attributes are written sorted by name, everything else in model order.
final class ProtoEncoder {
    private var allocations: [UnsafeMutableRawPointer] = []
    let destination: String

    init(destination: String) {
        self.destination = destination
    }

    deinit {
        for p in allocations { free(p) }
    }

    /// The largest field protobuf can carry (a length is a signed 32-bit value in practice).
    static let maxFieldBytes = Int(Int32.max)

    private func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let bytes = max(MemoryLayout<T>.stride * count, 1)
        guard let raw = malloc(bytes) else { fatalError("out of memory allocating \(bytes) bytes") }
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }

    private func cString(_ s: String) -> UnsafeMutablePointer<CChar>? {
        if s.isEmpty { return nil }
        var utf8 = Array(s.utf8)
        utf8.append(0)
        let p = allocate(CChar.self, count: utf8.count)
        utf8.withUnsafeBytes { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return p
    }

    private func requiredCString(_ s: String) -> UnsafeMutablePointer<CChar>? {
        var utf8 = Array(s.utf8)
        utf8.append(0)
        let p = allocate(CChar.self, count: utf8.count)
        utf8.withUnsafeBytes { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return p
    }

    private func binary(_ bytes: UnsafeRawBufferPointer) -> ProtobufCBinaryData {
        let p = allocate(UInt8.self, count: bytes.count)
        if bytes.count > 0 { UnsafeMutableRawPointer(p).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        return ProtobufCBinaryData(len: bytes.count, data: p)
    }

    private func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        if values.isEmpty { return nil }
        let p = allocate(T.self, count: values.count)
        p.initialize(from: values, count: values.count)
        return p
    }

    private func pointers<S, T>(_ items: [S], _ make: (S) throws(FormatError) -> UnsafeMutablePointer<T>) throws(FormatError) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>? {
        if items.isEmpty { return nil }
        let p = allocate(UnsafeMutablePointer<T>?.self, count: items.count)
        for (i, item) in items.enumerated() { (p + i).initialize(to: try make(item)) }
        return p
    }

    func model(_ m: Model) throws(FormatError) -> UnsafeMutablePointer<Onnx__ModelProto> {
        let p = allocate(Onnx__ModelProto.self)
        onnx__model_proto__init(p)
        p.pointee.has_ir_version = 1
        p.pointee.ir_version = m.irVersion
        p.pointee.n_opset_import = m.opsetImports.count
        p.pointee.opset_import = try pointers(m.opsetImports) { o throws(FormatError) in
            let q = allocate(Onnx__OperatorSetIdProto.self)
            onnx__operator_set_id_proto__init(q)
            q.pointee.domain = requiredCString(o.domain)
            q.pointee.has_version = 1
            q.pointee.version = o.version
            return q
        }
        p.pointee.producer_name = cString(m.producerName)
        p.pointee.producer_version = cString(m.producerVersion)
        p.pointee.domain = cString(m.domain)
        if m.modelVersion != 0 {
            p.pointee.has_model_version = 1
            p.pointee.model_version = m.modelVersion
        }
        p.pointee.doc_string = cString(m.docString)
        p.pointee.graph = try graph(m.graph)
        p.pointee.n_metadata_props = m.metadata.count
        p.pointee.metadata_props = try pointers(m.metadata) { e throws(FormatError) in entry(e.key, e.value) }
        return p
    }

    private func entry(_ key: String, _ value: String) -> UnsafeMutablePointer<Onnx__StringStringEntryProto> {
        let q = allocate(Onnx__StringStringEntryProto.self)
        onnx__string_string_entry_proto__init(q)
        q.pointee.key = requiredCString(key)
        q.pointee.value = requiredCString(value)
        return q
    }

    func graph(_ g: Graph) throws(FormatError) -> UnsafeMutablePointer<Onnx__GraphProto> {
        let p = allocate(Onnx__GraphProto.self)
        onnx__graph_proto__init(p)
        p.pointee.name = cString(g.name)
        p.pointee.doc_string = cString(g.docString)
        p.pointee.n_node = g.nodes.count
        p.pointee.node = try pointers(g.nodes) { n throws(FormatError) in try node(n) }
        p.pointee.n_initializer = g.initializers.count
        p.pointee.initializer = try pointers(g.initializers) { t throws(FormatError) in try tensor(t) }
        p.pointee.n_input = g.inputs.count
        p.pointee.input = try pointers(g.inputs) { v throws(FormatError) in valueInfo(v) }
        p.pointee.n_output = g.outputs.count
        p.pointee.output = try pointers(g.outputs) { v throws(FormatError) in valueInfo(v) }
        p.pointee.n_value_info = g.valueInfo.count
        p.pointee.value_info = try pointers(g.valueInfo) { v throws(FormatError) in valueInfo(v) }
        return p
    }

    func node(_ n: Node) throws(FormatError) -> UnsafeMutablePointer<Onnx__NodeProto> {
        let p = allocate(Onnx__NodeProto.self)
        onnx__node_proto__init(p)
        p.pointee.n_input = n.inputs.count
        p.pointee.input = array(n.inputs.map { requiredCString($0) })
        p.pointee.n_output = n.outputs.count
        p.pointee.output = array(n.outputs.map { requiredCString($0) })
        p.pointee.name = cString(n.name)
        p.pointee.op_type = requiredCString(n.opType)
        p.pointee.domain = cString(n.domain)
        p.pointee.doc_string = cString(n.docString)
        let sorted = n.attributes.sorted { $0.key < $1.key }
        p.pointee.n_attribute = sorted.count
        p.pointee.attribute = try pointers(sorted) { kv throws(FormatError) in try attribute(kv.key, kv.value) }
        return p
    }

    func attribute(_ name: String, _ a: Attribute) throws(FormatError) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let p = allocate(Onnx__AttributeProto.self)
        onnx__attribute_proto__init(p)
        p.pointee.name = requiredCString(name)
        p.pointee.has_type = 1
        func setType(_ t: Onnx__AttributeProto__AttributeType) { p.pointee.type = t }
        switch a {
        case .float(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT); p.pointee.has_f = 1; p.pointee.f = v
        case .int(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT); p.pointee.has_i = 1; p.pointee.i = v
        case .string(let s):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING); p.pointee.has_s = 1
            p.pointee.s = Array(s.utf8).withUnsafeBytes { binary($0) }
        case .tensor(let t):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR); p.pointee.t = try tensor(t)
        case .graph(let g):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH); p.pointee.g = try graph(g)
        case .floats(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS); p.pointee.n_floats = v.count; p.pointee.floats = array(v)
        case .ints(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS); p.pointee.n_ints = v.count; p.pointee.ints = array(v)
        case .strings(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS); p.pointee.n_strings = v.count
            p.pointee.strings = array(v.map { s in Array(s.utf8).withUnsafeBytes { binary($0) } })
        case .tensors(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS); p.pointee.n_tensors = v.count
            p.pointee.tensors = try pointers(v) { t throws(FormatError) in try tensor(t) }
        case .graphs(let v):
            setType(ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS); p.pointee.n_graphs = v.count
            p.pointee.graphs = try pointers(v) { g throws(FormatError) in try graph(g) }
        case .unsupported(let code):
            throw .invalidModel(source: destination, context: "attribute '\(name)'", detail: "cannot write an attribute of unsupported type \(code)")
        }
        return p
    }

    func valueInfo(_ v: ValueInfo) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        let p = allocate(Onnx__ValueInfoProto.self)
        onnx__value_info_proto__init(p)
        p.pointee.name = requiredCString(v.name)
        p.pointee.doc_string = cString(v.docString)
        if let t = v.type {
            let tp = allocate(Onnx__TypeProto.self)
            onnx__type_proto__init(tp)
            let tt = allocate(Onnx__TypeProto__Tensor.self)
            onnx__type_proto__tensor__init(tt)
            tt.pointee.has_elem_type = 1
            tt.pointee.elem_type = t.elementType.rawValue
            if let shape = t.shape {
                let sp = allocate(Onnx__TensorShapeProto.self)
                onnx__tensor_shape_proto__init(sp)
                sp.pointee.n_dim = shape.count
                sp.pointee.dim = try? pointers(shape) { d throws(FormatError) in
                    let dp = allocate(Onnx__TensorShapeProto__Dimension.self)
                    onnx__tensor_shape_proto__dimension__init(dp)
                    switch d {
                    case .value(let n):
                        dp.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                        dp.pointee.dim_value = Int64(n)
                    case .symbol(let s):
                        dp.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                        dp.pointee.dim_param = requiredCString(s)
                    case .unknown: break
                    }
                    return dp
                }
                tt.pointee.shape = sp
            }
            tp.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
            tp.pointee.tensor_type = tt
            p.pointee.type = tp
        }
        return p
    }

    func tensor(_ t: TensorData) throws(FormatError) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let p = allocate(Onnx__TensorProto.self)
        onnx__tensor_proto__init(p)
        p.pointee.n_dims = t.dims.count
        p.pointee.dims = array(t.dims.map(Int64.init))
        p.pointee.has_data_type = 1
        p.pointee.data_type = t.elementType.rawValue
        p.pointee.name = cString(t.name)
        p.pointee.doc_string = cString(t.docString)
        let name = t.name.isEmpty ? "<unnamed>" : t.name
        let count = t.elementCount
        guard t.storage.count(for: t.elementType) == count || (t.elementType.bitWidth ?? 8) < 8 else {
            throw .tensorDataMismatch(source: destination, tensor: name, detail: "dims \(t.dims) describe \(count) elements, the storage holds \(t.storage.count(for: t.elementType))")
        }
        func raw(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
            if bytes.count > ProtoEncoder.maxFieldBytes {
                throw .limitExceeded(source: destination, what: "bytes of tensor '\(name)'", value: bytes.count, limit: ProtoEncoder.maxFieldBytes)
            }
            p.pointee.has_raw_data = 1
            p.pointee.raw_data = binary(bytes)
        }
        switch t.storage {
        case .float(let v): try withBytes(v) { b throws(FormatError) in try raw(b) }
        case .int64(let v): try withBytes(v) { b throws(FormatError) in try raw(b) }
        case .int32(let v): try withBytes(v) { b throws(FormatError) in try raw(b) }
        case .double(let v): try withBytes(v) { b throws(FormatError) in try raw(b) }
        case .raw(let v):
            guard v.count == t.elementType.byteCount(elements: count) else {
                throw .tensorDataMismatch(source: destination, tensor: name, detail: "\(v.count) bytes do not hold \(count) \(t.elementType) elements")
            }
            try withBytes(v) { b throws(FormatError) in try raw(b) }
        case .strings(let v):
            p.pointee.n_string_data = v.count
            p.pointee.string_data = array(v.map { s in s.withUnsafeBytes { binary($0) } })
        }
        return p
    }
}

/// `withUnsafeBytes` over any array for a body that throws `FormatError`.
func withBytes<T, R>(_ values: [T], _ body: (UnsafeRawBufferPointer) throws(FormatError) -> R) throws(FormatError) -> R {
    let result: Result<R, FormatError> = values.withUnsafeBytes { raw in
        do throws(FormatError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
