/// The element type of a tensor, with ONNX's `TensorProto.DataType` codes.
public enum ElementType: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No type set (`UNDEFINED`); never valid for data.
    case undefined = 0
    /// 32-bit IEEE float (`FLOAT`).
    case float = 1
    /// Unsigned 8-bit integer (`UINT8`).
    case uint8 = 2
    /// Signed 8-bit integer (`INT8`).
    case int8 = 3
    /// Unsigned 16-bit integer (`UINT16`).
    case uint16 = 4
    /// Signed 16-bit integer (`INT16`).
    case int16 = 5
    /// Signed 32-bit integer (`INT32`).
    case int32 = 6
    /// Signed 64-bit integer (`INT64`).
    case int64 = 7
    /// Byte string (`STRING`).
    case string = 8
    /// Boolean stored in one byte (`BOOL`).
    case bool = 9
    /// 16-bit IEEE half float (`FLOAT16`).
    case float16 = 10
    /// 64-bit IEEE float (`DOUBLE`).
    case double = 11
    /// Unsigned 32-bit integer (`UINT32`).
    case uint32 = 12
    /// Unsigned 64-bit integer (`UINT64`).
    case uint64 = 13
    /// Complex of two float32 (`COMPLEX64`).
    case complex64 = 14
    /// Complex of two float64 (`COMPLEX128`).
    case complex128 = 15
    /// Brain float: float32 with a 7-bit mantissa (`BFLOAT16`).
    case bfloat16 = 16
    /// 8-bit float, 4-bit exponent, finite only (`FLOAT8E4M3FN`).
    case float8e4m3fn = 17
    /// 8-bit float, 4-bit exponent, finite, unsigned zero (`FLOAT8E4M3FNUZ`).
    case float8e4m3fnuz = 18
    /// 8-bit float, 5-bit exponent (`FLOAT8E5M2`).
    case float8e5m2 = 19
    /// 8-bit float, 5-bit exponent, finite, unsigned zero (`FLOAT8E5M2FNUZ`).
    case float8e5m2fnuz = 20
    /// Unsigned 4-bit integer, two per byte (`UINT4`).
    case uint4 = 21
    /// Signed 4-bit integer, two per byte (`INT4`).
    case int4 = 22
    /// 4-bit float, 2-bit exponent (`FLOAT4E2M1`).
    case float4e2m1 = 23
    /// 8-bit exponent-only scale (`FLOAT8E8M0`).
    case float8e8m0 = 24
    /// Unsigned 2-bit integer, four per byte (`UINT2`).
    case uint2 = 25
    /// Signed 2-bit integer, four per byte (`INT2`).
    case int2 = 26
    /// 6-bit float, 2-bit exponent (`FLOAT6E2M3`).
    case float6e2m3 = 27
    /// 6-bit float, 3-bit exponent (`FLOAT6E3M2`).
    case float6e3m2 = 28

    /// The size of one element in bits, or `nil` for strings and undefined.
    public var bitWidth: Int? {
        switch self {
        case .undefined, .string: return nil
        case .uint2, .int2: return 2
        case .uint4, .int4, .float4e2m1: return 4
        case .float6e2m3, .float6e3m2: return 6
        case .uint8, .int8, .bool, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: return 8
        case .uint16, .int16, .float16, .bfloat16: return 16
        case .int32, .uint32, .float: return 32
        case .int64, .uint64, .double, .complex64: return 64
        case .complex128: return 128
        }
    }

    /// The size of one element in bytes for types of at least 8 bits, or `nil`.
    public var byteSize: Int? {
        guard let bits = bitWidth, bits >= 8 else { return nil }
        return bits / 8
    }

    /// The number of bytes `count` elements occupy in ONNX's packed little-endian layout
    /// (sub-byte types are packed; a partial last byte counts), or `nil` for strings.
    public func byteCount(elements count: Int) -> Int? {
        guard let bits = bitWidth else { return nil }
        let (total, overflow) = count.multipliedReportingOverflow(by: bits)
        return overflow ? nil : (total + 7) / 8
    }

    /// ONNX's lower-case name for the type (`float`, `int64`, ...).
    public var description: String {
        switch self {
        case .undefined: return "undefined"
        case .float: return "float"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .float16: return "float16"
        case .double: return "double"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .complex64: return "complex64"
        case .complex128: return "complex128"
        case .bfloat16: return "bfloat16"
        case .float8e4m3fn: return "float8e4m3fn"
        case .float8e4m3fnuz: return "float8e4m3fnuz"
        case .float8e5m2: return "float8e5m2"
        case .float8e5m2fnuz: return "float8e5m2fnuz"
        case .uint4: return "uint4"
        case .int4: return "int4"
        case .float4e2m1: return "float4e2m1"
        case .float8e8m0: return "float8e8m0"
        case .uint2: return "uint2"
        case .int2: return "int2"
        case .float6e2m3: return "float6e2m3"
        case .float6e3m2: return "float6e3m2"
        }
    }
}
