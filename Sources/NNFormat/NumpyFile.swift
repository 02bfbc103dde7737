import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1–3, C order, little-endian).
///
/// Supported dtypes: float32 and int64 natively; float64, int32, int16, int8, uint8 and bool are
/// read and converted (floats to float32, integers to int64).
public enum NumpyFile {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads a `.npy` file.
    public static func read(contentsOf path: String, limits: ReadOptions.Limits = .init()) throws(FormatError) -> TensorData {
        try read(bytes: try FileIO.read(path: path, maxBytes: limits.maxFileBytes), source: path, limits: limits)
    }

    /// Reads `.npy` bytes.
    public static func read(bytes: [UInt8], source: String = "<memory>", limits: ReadOptions.Limits = .init()) throws(FormatError) -> TensorData {
        func bad(_ d: String) -> FormatError { .notProtobuf(source: source, detail: d) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw .unreadable(source: source, reason: "not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int
        let start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncated(source: source, detail: "header length cut off") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw .unreadable(source: source, reason: ".npy format version \(major) is not supported")
        }
        guard headerLength <= limits.maxStringBytes, start + headerLength <= bytes.count else {
            throw .truncated(source: source, detail: "header of \(headerLength) bytes runs past the end")
        }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = field(header, "descr"), let shapeText = field(header, "shape") else {
            throw .unreadable(source: source, reason: "header lacks descr or shape: \(header)")
        }
        if let fortran = field(header, "fortran_order"), fortran.hasPrefix("True") {
            throw .unreadable(source: source, reason: "Fortran-order arrays are not supported (save with np.ascontiguousarray)")
        }
        let dtype = descr.trimmingCharacters(in: ["'", "\"", " "])
        var dims: [Int] = []
        let inner = shapeText.trimmingCharacters(in: ["(", ")", " "])
        var count = 1
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: [" "])
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0, d <= limits.maxDimension else { throw .invalidShape(source: source, context: "array", detail: "bad dimension '\(t)'") }
            let (c, o) = count.multipliedReportingOverflow(by: d)
            guard !o, c <= limits.maxTensorElements else { throw .limitExceeded(source: source, what: "element count", value: o ? Int.max : c, limit: limits.maxTensorElements) }
            count = c
            dims.append(d)
        }
        let size: Int
        switch dtype {
        case "<f4", "<i4": size = 4
        case "<f8", "<i8": size = 8
        case "<i2": size = 2
        case "|i1", "|u1", "|b1", "<u1", "<b1": size = 1
        default: throw .unreadable(source: source, reason: "dtype \(dtype) is not supported (float32, float64, int8–int64, uint8, bool)")
        }
        let dataStart = start + headerLength
        let need = count * size
        guard bytes.count - dataStart == need else {
            if bytes.count - dataStart < need { throw .truncated(source: source, detail: "\(dims) \(dtype) needs \(need) data bytes, the file has \(bytes.count - dataStart)") }
            throw bad("\(bytes.count - dataStart - need) bytes after the array data")
        }
        return bytes.withUnsafeBytes { all -> TensorData in
            let data = UnsafeRawBufferPointer(rebasing: all[dataStart..<(dataStart + need)])
            func load<T>(_: T.Type, _ i: Int) -> T { data.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self) }
            switch dtype {
            case "<f4": return TensorData(dims: dims, floats: (0..<count).map { load(Float.self, $0) })
            case "<f8": return TensorData(dims: dims, floats: (0..<count).map { Float(load(Double.self, $0)) })
            case "<i8": return TensorData(dims: dims, int64s: (0..<count).map { load(Int64.self, $0) })
            case "<i4": return TensorData(dims: dims, int64s: (0..<count).map { Int64(load(Int32.self, $0)) })
            case "<i2": return TensorData(dims: dims, int64s: (0..<count).map { Int64(load(Int16.self, $0)) })
            case "|i1": return TensorData(dims: dims, int64s: (0..<count).map { Int64(load(Int8.self, $0)) })
            default: return TensorData(dims: dims, int64s: (0..<count).map { Int64(load(UInt8.self, $0)) })
            }
        }
    }

    private static func field(_ header: String, _ key: String) -> String? {
        for quote in ["'", "\""] {
            guard let r = header.range(of: "\(quote)\(key)\(quote)") else { continue }
            var rest = header[r.upperBound...].drop { $0 == " " || $0 == ":" }
            if rest.hasPrefix("(") {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return String(rest[...close])
            }
            if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
            return String(rest)
        }
        return nil
    }

    /// Serializes a float32 or int64 tensor as `.npy` (version 1.0).
    public static func serialize(_ tensor: TensorData) throws(FormatError) -> [UInt8] {
        let descr: String
        let payload: [UInt8]
        switch tensor.storage {
        case .float(let v): descr = "<f4"; payload = v.withUnsafeBytes { Array($0) }
        case .int64(let v): descr = "<i8"; payload = v.withUnsafeBytes { Array($0) }
        default:
            throw .tensorDataMismatch(source: "<npy>", tensor: tensor.name, detail: "only float32 and int64 tensors are written as .npy")
        }
        let shape = tensor.dims.count == 1 ? "(\(tensor.dims[0]),)" : "(" + tensor.dims.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        let n = header.utf8.count
        // Version 1.0 stores the header length in 2 bytes; a longer header (a very high rank)
        // needs version 2.0 and its 4-byte length, padded so the data stays 64-byte aligned.
        if n > 0xffff {
            header.removeLast()
            header += String(repeating: " ", count: (64 - (12 + header.utf8.count + 1) % 64) % 64) + "\n"
            let m = header.utf8.count
            return magic + [2, 0, UInt8(m & 0xff), UInt8((m >> 8) & 0xff), UInt8((m >> 16) & 0xff), UInt8(m >> 24)] + Array(header.utf8) + payload
        }
        var out = magic + [1, 0, UInt8(n & 0xff), UInt8(n >> 8)]
        out += Array(header.utf8)
        out += payload
        return out
    }

    /// Writes a tensor as `.npy` atomically.
    public static func write(_ tensor: TensorData, to path: String) throws(FormatError) {
        try FileIO.writeAtomically(try serialize(tensor), to: path)
    }
}
