/// A node attribute's value, typed as ONNX's `AttributeProto.AttributeType`.
public indirect enum Attribute: Sendable, Equatable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(TensorData)
    case graph(Graph)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    case tensors([TensorData])
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
