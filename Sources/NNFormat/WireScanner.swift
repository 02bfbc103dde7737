/// A structural walk over protobuf wire format, used to explain why protobuf-c refused bytes.
///
/// protobuf-c's unpack returns NULL with no message; this scanner finds the first place where the
/// bytes stop being well-formed protobuf and says whether they end too early (truncated) or are
/// not protobuf at all.
enum WireScanner {
    enum Finding: Equatable {
        case wellFormed
        case truncated(String)
        case malformed(String)
        /// Subgraphs nest deeper than allowed (found before protobuf-c, whose unpack recurses
        /// once per nested message and has no depth limit of its own).
        case tooDeep(depth: Int)
    }

    /// The messages the scanner descends into: ModelProto.graph (7) → GraphProto.node (1) /
    /// initializer (5); NodeProto.attribute (5) → AttributeProto.g (6) / graphs (11) → GraphProto.
    enum Schema: Sendable {
        case model, graph, node, attribute
        /// A message whose fields are checked but not descended into.
        case leaf

        func child(_ field: Int) -> Schema? {
            switch (self, field) {
            case (.model, 7): return .graph
            case (.graph, 1): return .node
            case (.graph, 5): return .leaf
            case (.node, 5): return .attribute
            case (.attribute, 6), (.attribute, 11): return .graph
            default: return nil
            }
        }
    }

    static let model = Schema.model

    /// Scans `bytes` as a message of the given schema, refusing subgraphs nested more than
    /// `maxGraphDepth` levels below the main graph.
    static func scan(_ bytes: UnsafeRawBufferPointer, schema: Schema = model, maxGraphDepth: Int = 64) -> Finding {
        var limits = Depth(graphs: -1, max: maxGraphDepth)
        return scan(bytes, from: 0, to: bytes.count, nested: schema, path: "", depth: &limits)
    }

    /// Graph nesting seen on the current path (the main graph is depth 0).
    struct Depth {
        var graphs: Int
        let max: Int
    }

    private static func scan(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, nested: Schema, path: String, depth: inout Depth) -> Finding {
        if nested == .graph {
            depth.graphs += 1
            if depth.graphs > depth.max { return .tooDeep(depth: depth.graphs) }
        }
        defer { if nested == .graph { depth.graphs -= 1 } }
        var i = start
        while i < end {
            let tagAt = i
            guard let (tag, n) = varint(b, i, end) else {
                return i + 10 > end && end == b.count
                    ? .truncated("a field tag at byte \(tagAt)\(path) runs past the end (\(b.count) bytes)")
                    : .malformed("bad field tag at byte \(tagAt)\(path)")
            }
            i = n
            let field = Int(tag >> 3)
            let wire = Int(tag & 7)
            if field == 0 { return .malformed("field number 0 at byte \(tagAt)\(path)") }
            switch wire {
            case 0:
                guard let (_, n2) = varint(b, i, end) else {
                    return end == b.count ? .truncated("field \(field) at byte \(tagAt)\(path) ends mid-value") : .malformed("bad varint at byte \(i)\(path)")
                }
                i = n2
            case 1:
                if i + 8 > end { return truncation(field, tagAt, 8, UInt64(end - i), path, end == b.count) }
                i += 8
            case 5:
                if i + 4 > end { return truncation(field, tagAt, 4, UInt64(end - i), path, end == b.count) }
                i += 4
            case 2:
                guard let (len, n2) = varint(b, i, end) else {
                    return end == b.count ? .truncated("field \(field) at byte \(tagAt)\(path) ends in its length") : .malformed("bad length at byte \(i)\(path)")
                }
                i = n2
                if len > UInt64(end - i) {
                    return truncation(field, tagAt, len, UInt64(end - i), path, end == b.count)
                }
                let stop = i + Int(len)
                if let sub = nested.child(field) {
                    let r = scan(b, from: i, to: stop, nested: sub, path: "\(path) in field \(field) at byte \(tagAt)", depth: &depth)
                    if r != .wellFormed { return r }
                }
                i = stop
            default:
                return .malformed("unsupported wire type \(wire) for field \(field) at byte \(tagAt)\(path)")
            }
        }
        return .wellFormed
    }

    private static func truncation(_ field: Int, _ at: Int, _ want: UInt64, _ have: UInt64, _ path: String, _ atEnd: Bool) -> Finding {
        let text = "field \(field) at byte \(at)\(path) declares \(want) bytes but only \(have) remain"
        return atEnd ? .truncated(text) : .malformed(text)
    }

    private static func varint(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (UInt64, Int)? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = start
        while i < end && shift < 64 {
            let byte = b[i]
            result |= UInt64(byte & 0x7f) << shift
            i += 1
            if byte & 0x80 == 0 { return (result, i) }
            shift += 7
        }
        return nil
    }
}
