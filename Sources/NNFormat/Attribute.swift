/// A node attribute's value, typed as ONNX's `AttributeProto.AttributeType`.
public indirect enum Attribute: Sendable, Equatable {
    /// One float32 (`FLOAT`).
    case float(Float)
    /// One integer (`INT`).
    case int(Int64)
    /// One string (`STRING`), UTF-8.
    case string(String)
    /// One tensor (`TENSOR`), e.g. the value of a `Constant` node.
    case tensor(TensorData)
    /// One subgraph (`GRAPH`), e.g. a branch of `If`.
    case graph(Graph)
    /// A list of float32 (`FLOATS`).
    case floats([Float])
    /// A list of integers (`INTS`), e.g. `kernel_shape`, `pads`.
    case ints([Int64])
    /// A list of strings (`STRINGS`).
    case strings([String])
    /// A list of tensors (`TENSORS`).
    case tensors([TensorData])
    /// A list of subgraphs (`GRAPHS`).
    case graphs([Graph])
    /// An attribute kind this format does not carry (sparse tensors, type protos); its ONNX type code.
    case unsupported(typeCode: Int32)

    /// ONNX's name for the attribute kind (`INT`, `FLOATS`, ...), for messages.
    public var kindName: String {
        switch self {
        case .float: return "FLOAT"
        case .int: return "INT"
        case .string: return "STRING"
        case .tensor: return "TENSOR"
        case .graph: return "GRAPH"
        case .floats: return "FLOATS"
        case .ints: return "INTS"
        case .strings: return "STRINGS"
        case .tensors: return "TENSORS"
        case .graphs: return "GRAPHS"
        case .unsupported(let code): return "type \(code)"
        }
    }
}
