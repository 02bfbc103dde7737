import CONNXProto

/// Turns a `TensorProto`'s data fields into canonical `TensorStorage`, checking counts against dims.
enum TensorDecoding {
    static func storage(
        of t: Onnx__TensorProto, type: ElementType, count: Int, tensor: String, source: String,
        payloads: (split: WeightSplitter.Split, input: ModelSource)? = nil
    ) throws(FormatError) -> TensorStorage {
        func mismatch(_ detail: String) -> FormatError {
            .tensorDataMismatch(source: source, tensor: tensor, detail: detail)
        }
        if t.has_raw_data != 0 {
            guard type != .string else { throw mismatch("string tensors cannot use raw_data") }
            let expected = type.byteCount(elements: count) ?? 0
            let raw = UnsafeRawBufferPointer(start: t.raw_data.data, count: t.raw_data.len)
            if let payloads, let extent = payloads.split.extent(marker: raw) {
                // A payload the splitter left in the source: read it straight into the tensor.
                guard extent.length == expected else {
                    throw mismatch("\(type) data of \(count) elements needs \(expected) bytes, raw_data has \(extent.length)")
                }
                return try fromLittleEndian(payloads.input, offset: extent.offset, length: extent.length, type: type, count: count)
            }
            guard t.raw_data.len == expected else {
                throw mismatch("\(type) data of \(count) elements needs \(expected) bytes, raw_data has \(t.raw_data.len)")
            }
            return fromLittleEndian(UnsafeRawBufferPointer(start: t.raw_data.data, count: t.raw_data.len), type: type, count: count)
        }
        func check(_ have: Int, _ field: String, per: Int = 1) throws(FormatError) {
            let (want, overflow) = count.multipliedReportingOverflow(by: per)
            guard !overflow, have == want else {
                throw mismatch("dims describe \(count) \(type) elements, \(field) has \(have) values")
            }
        }
        let anyData = t.n_float_data + t.n_int32_data + t.n_int64_data + t.n_double_data + t.n_uint64_data + t.n_string_data
        if anyData == 0 {
            guard count == 0 else { throw mismatch("dims describe \(count) elements but the tensor has no data") }
            return empty(type)
        }
        switch type {
        case .float:
            try check(t.n_float_data, "float_data")
            return .float(Array(UnsafeBufferPointer(start: t.float_data, count: count)))
        case .complex64:
            try check(t.n_float_data, "float_data", per: 2)
            return .raw(bytes(of: UnsafeBufferPointer(start: t.float_data, count: 2 * count)))
        case .int64:
            try check(t.n_int64_data, "int64_data")
            return .int64(Array(UnsafeBufferPointer(start: t.int64_data, count: count)))
        case .double:
            try check(t.n_double_data, "double_data")
            return .double(Array(UnsafeBufferPointer(start: t.double_data, count: count)))
        case .complex128:
            try check(t.n_double_data, "double_data", per: 2)
            return .raw(bytes(of: UnsafeBufferPointer(start: t.double_data, count: 2 * count)))
        case .uint32, .uint64:
            try check(t.n_uint64_data, "uint64_data")
            let values = UnsafeBufferPointer(start: t.uint64_data, count: count)
            if type == .uint64 { return .raw(bytes(of: values)) }
            return .raw(bytes(of: values.map { UInt32(truncatingIfNeeded: $0) }))
        case .string:
            try check(t.n_string_data, "string_data")
            return .strings((0..<count).map { i in
                let s = t.string_data[i]
                return Array(UnsafeRawBufferPointer(start: s.data, count: s.len))
            })
        case .int32:
            try check(t.n_int32_data, "int32_data")
            return .int32(Array(UnsafeBufferPointer(start: t.int32_data, count: count)))
        case .undefined:
            throw mismatch("undefined data type")
        default:
            // Narrow types carried in int32_data: one element per value, except sub-byte types,
            // where each value holds one packed byte (4-bit: 2 elements, 2-bit: 4 elements).
            let values = UnsafeBufferPointer(start: t.int32_data, count: t.n_int32_data)
            let bits = type.bitWidth ?? 8
            switch bits {
            case 8, 16:
                try check(values.count, "int32_data")
                if bits == 8 { return .raw(values.map { UInt8(truncatingIfNeeded: $0) }) }
                return .raw(bytes(of: values.map { UInt16(truncatingIfNeeded: $0) }))
            case 4, 2:
                let perByte = 8 / bits
                let want = (count + perByte - 1) / perByte
                guard values.count == want else {
                    throw mismatch("dims describe \(count) \(type) elements (\(want) packed bytes), int32_data has \(values.count) values")
                }
                return .raw(values.map { UInt8(truncatingIfNeeded: $0) })
            default:  // 6-bit: one element per value, packed 4 into 3 bytes.
                try check(values.count, "int32_data")
                var out = [UInt8](repeating: 0, count: type.byteCount(elements: count) ?? 0)
                for (i, v) in values.enumerated() {
                    let bit = i * 6
                    let six = UInt16(UInt32(bitPattern: v) & 0x3f) << UInt16(bit % 8)
                    out[bit / 8] |= UInt8(truncatingIfNeeded: six)
                    if bit % 8 > 2 { out[bit / 8 + 1] |= UInt8(truncatingIfNeeded: six >> 8) }
                }
                return .raw(out)
            }
        }
    }

    /// Canonical storage for little-endian element bytes.
    static func fromLittleEndian(_ raw: UnsafeRawBufferPointer, type: ElementType, count: Int) -> TensorStorage {
        switch type {
        case .float: return .float(typed(raw, count, Float.self))
        case .int64: return .int64(typed(raw, count, Int64.self))
        case .int32: return .int32(typed(raw, count, Int32.self))
        case .double: return .double(typed(raw, count, Double.self))
        default: return .raw(Array(raw))
        }
    }

    /// Canonical storage for `length` little-endian element bytes at `offset` of a source, read
    /// straight into the storage (the caller checks that `length` is `count` elements' worth).
    static func fromLittleEndian(_ input: ModelSource, offset: Int, length: Int, type: ElementType, count: Int) throws(FormatError) -> TensorStorage {
        switch type {
        case .float: return .float(try input.array(of: Float.self, count: count, offset: offset, length: length))
        case .int64: return .int64(try input.array(of: Int64.self, count: count, offset: offset, length: length))
        case .int32: return .int32(try input.array(of: Int32.self, count: count, offset: offset, length: length))
        case .double: return .double(try input.array(of: Double.self, count: count, offset: offset, length: length))
        default: return .raw(try input.array(of: UInt8.self, count: length, offset: offset, length: length))
        }
    }

    /// Empty storage of the canonical kind for `type`.
    static func empty(_ type: ElementType) -> TensorStorage {
        switch type {
        case .float: return .float([])
        case .int64: return .int64([])
        case .int32: return .int32([])
        case .double: return .double([])
        case .string: return .strings([])
        default: return .raw([])
        }
    }

    private static func typed<T>(_ raw: UnsafeRawBufferPointer, _ count: Int, _: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<count * MemoryLayout<T>.stride]))
            }
            initialized = count
        }
    }

    private static func bytes<T>(of values: some Collection<T>) -> [UInt8] {
        Array(values).withUnsafeBytes { Array($0) }
    }
}

#if _endian(big)
#error("nninfer's tensor decoding assumes a little-endian host")
#endif
