/// Separates the large `raw_data` payloads of the main graph's initializers from the rest of a model.
///
/// protobuf-c's unpack copies every `bytes` field, so parsing a whole file copies its weights once
/// more than needed (and fresh memory is slow to fault in). The splitter walks ModelProto.graph (7) →
/// GraphProto.initializer (5) → TensorProto.raw_data (9) without reading the payloads, and builds
/// the model's *structure*: the same message with each large payload replaced by a marker (a
/// per-read random nonce and an index into `extents`), and the enclosing lengths re-encoded. The
/// decoder parses the structure with protobuf-c and reads each marked payload straight from the
/// source into the tensor's storage.
///
/// Everything else is copied verbatim, so the structure means the same as the original bytes; the
/// splitter returns nil (the reader then parses the original bytes, with their exact error
/// messages) at anything unusual in the part it walks: a malformed or truncated field, a tensor
/// with two `raw_data` fields, or a file that cannot be read.
struct WeightSplitter {
    /// A payload left in the source: its offset and length in bytes.
    struct Extent: Equatable {
        var offset: Int
        var length: Int
    }

    /// The model without its large payloads, and where they are.
    struct Split {
        var structure: [UInt8]
        var extents: [Extent]
        var nonce: (UInt64, UInt64)

        /// The extent a `raw_data` value stands for, when it is one of this split's markers.
        func extent(marker raw: UnsafeRawBufferPointer) -> Extent? {
            guard raw.count == WeightSplitter.markerBytes else { return nil }
            guard raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self) == nonce.0,
                  raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == nonce.1 else { return nil }
            let index = raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            guard index < UInt64(extents.count) else { return nil }
            return extents[Int(index)]
        }
    }

    /// Payloads from this size on are left in the source (smaller ones cost less to copy than to mark).
    static let minimumExtracted = 1024
    /// nonce (16 bytes) + extent index (8 bytes).
    static let markerBytes = 24

    private enum Level { case model, graph, tensor }

    private let source: ModelSource
    private var extents: [Extent] = []
    private let nonce: (UInt64, UInt64)
    /// A window of the file (unused for memory).
    private var window: [UInt8] = []
    private var windowStart = 0

    private static let windowBytes = 1 << 16

    private init(source: ModelSource) {
        self.source = source
        var rng = SystemRandomNumberGenerator()
        nonce = (rng.next(), rng.next())
    }

    /// The split model, or nil when the bytes should be parsed whole (see the type's description).
    static func split(_ source: ModelSource) -> Split? {
        var splitter = WeightSplitter(source: source)
        var structure: [UInt8] = []
        guard splitter.message(from: 0, to: source.count, level: .model, into: &structure) else { return nil }
        return Split(structure: structure, extents: splitter.extents, nonce: splitter.nonce)
    }

    private mutating func message(from start: Int, to end: Int, level: Level, into out: inout [UInt8]) -> Bool {
        var i = start
        var sawRawData = false
        while i < end {
            let fieldStart = i
            guard let (tag, afterTag) = varint(at: i, end: end) else { return false }
            let field = tag >> 3
            let wire = tag & 7
            guard field != 0 else { return false }
            let fieldEnd: Int
            switch wire {
            case 0:
                guard let (_, next) = varint(at: afterTag, end: end) else { return false }
                fieldEnd = next
            case 1, 5:
                let size = wire == 1 ? 8 : 4
                guard size <= end - afterTag else { return false }
                fieldEnd = afterTag + size
            case 2:
                guard let (length, payload) = varint(at: afterTag, end: end), length <= UInt64(end - payload) else { return false }
                let payloadEnd = payload + Int(length)
                if let child = Self.child(of: level, field: field) {
                    var sub: [UInt8] = []
                    guard message(from: payload, to: payloadEnd, level: child, into: &sub) else { return false }
                    Self.append(varint: tag, to: &out)
                    Self.append(varint: UInt64(sub.count), to: &out)
                    out += sub
                    i = payloadEnd
                    continue
                }
                if level == .tensor && field == 9 {
                    // A repeated scalar field's last value wins; such files are left to protobuf-c.
                    guard !sawRawData else { return false }
                    sawRawData = true
                    if length >= UInt64(Self.minimumExtracted) {
                        Self.append(varint: tag, to: &out)
                        Self.append(varint: UInt64(Self.markerBytes), to: &out)
                        for word in [nonce.0, nonce.1, UInt64(extents.count)] {
                            withUnsafeBytes(of: word.littleEndian) { out += $0 }
                        }
                        extents.append(Extent(offset: payload, length: Int(length)))
                        i = payloadEnd
                        continue
                    }
                }
                fieldEnd = payloadEnd
            default:
                return false
            }
            guard copy(from: fieldStart, to: fieldEnd, into: &out) else { return false }
            i = fieldEnd
        }
        return true
    }

    /// The messages walked: ModelProto.graph → GraphProto.initializer.
    private static func child(of level: Level, field: UInt64) -> Level? {
        switch (level, field) {
        case (.model, 7): return .graph
        case (.graph, 5): return .tensor
        default: return nil
        }
    }

    private static func append(varint value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private mutating func varint(at start: Int, end: Int) -> (UInt64, Int)? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = start
        while i < end && shift < 64 {
            guard let byte = byte(at: i) else { return nil }
            result |= UInt64(byte & 0x7f) << shift
            i += 1
            if byte & 0x80 == 0 { return (result, i) }
            shift += 7
        }
        return nil
    }

    private mutating func byte(at i: Int) -> UInt8? {
        switch source {
        case .memory(let m): return m[i]
        case .file:
            if i < windowStart || i >= windowStart + window.count {
                guard load(at: i) else { return nil }
            }
            return window[i - windowStart]
        }
    }

    /// Reads the window starting at `i` (the caller keeps `i < source.count`).
    private mutating func load(at i: Int) -> Bool {
        let n = min(Self.windowBytes, source.count - i)
        if window.count != n { window = [UInt8](repeating: 0, count: n) }
        windowStart = i
        let source = self.source
        let ok = window.withUnsafeMutableBytes { buffer in
            do throws(FormatError) { try source.copy(into: buffer, at: i) } catch { return false }
            return true
        }
        if !ok { window = [] }
        return ok
    }

    private mutating func copy(from start: Int, to end: Int, into out: inout [UInt8]) -> Bool {
        switch source {
        case .memory(let m):
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: m[start..<end]))
            return true
        case .file:
            var i = start
            while i < end {
                if i < windowStart || i >= windowStart + window.count {
                    guard load(at: i) else { return false }
                }
                let stop = min(end, windowStart + window.count)
                out.append(contentsOf: window[(i - windowStart)..<(stop - windowStart)])
                i = stop
            }
            return true
        }
    }
}
