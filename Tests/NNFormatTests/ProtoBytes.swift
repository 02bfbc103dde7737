/// A tiny protobuf wire-format writer for hand-made (often hostile) test files, independent of
/// protobuf-c so the tests do not check the library against itself.
struct ProtoBytes {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }

    mutating func int(_ field: Int, _ v: Int64) {
        tag(field, 0)
        varint(UInt64(bitPattern: v))
    }

    mutating func bytes(_ field: Int, _ b: [UInt8]) {
        tag(field, 2)
        varint(UInt64(b.count))
        bytes += b
    }

    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }

    mutating func message(_ field: Int, _ build: (inout ProtoBytes) -> Void) {
        var m = ProtoBytes()
        build(&m)
        bytes(field, m.bytes)
    }

    /// A float tensor with explicit dims and raw bytes.
    static func tensor(name: String, dims: [Int64], dataType: Int64 = 1, raw: [UInt8]?, extra: (inout ProtoBytes) -> Void = { _ in }) -> ProtoBytes {
        var t = ProtoBytes()
        for d in dims { t.int(1, d) }
        t.int(2, dataType)
        t.string(8, name)
        if let raw { t.bytes(9, raw) }
        extra(&t)
        return t
    }

    /// A model (IR 8, opset 17) whose graph has the given nodes, initializers, inputs and outputs.
    static func model(nodes: [ProtoBytes] = [], initializers: [ProtoBytes] = [], inputs: [String] = ["x"], outputs: [String] = ["y"], irVersion: Int64 = 8) -> [UInt8] {
        var m = ProtoBytes()
        m.int(1, irVersion)
        m.message(8) { $0.string(1, ""); $0.int(2, 17) }
        m.message(7) { g in
            for n in nodes { g.bytes(1, n.bytes) }
            g.string(2, "g")
            for t in initializers { g.bytes(5, t.bytes) }
            for i in inputs { g.message(11) { $0.string(1, i) } }
            for o in outputs { g.message(12) { $0.string(1, o) } }
        }
        return m.bytes
    }

    static func node(_ op: String, inputs: [String], outputs: [String], name: String = "") -> ProtoBytes {
        var n = ProtoBytes()
        for i in inputs { n.string(1, i) }
        for o in outputs { n.string(2, o) }
        n.string(3, name)
        n.string(4, op)
        return n
    }
}
