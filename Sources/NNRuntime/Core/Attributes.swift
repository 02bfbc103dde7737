import NNFormat

/// Typed access to a node's attributes, for operator initializers only.
///
/// Every accessor checks the attribute's kind and reports a mismatch naming the node.
struct Attributes {
    let node: Node
    let opset: Int64

    init(_ node: Node, opset: Int64) {
        self.node = node
        self.opset = opset
    }

    func fail(_ detail: String) -> RuntimeError {
        .invalidNode(node: node.displayName, opType: node.opType, detail: detail)
    }

    func has(_ name: String) -> Bool { node.attributes[name] != nil }

    func int(_ name: String, _ defaultValue: Int64) throws(RuntimeError) -> Int64 {
        guard let a = node.attributes[name] else { return defaultValue }
        guard case .int(let v) = a else { throw fail("attribute '\(name)' should be INT, is \(a.kindName)") }
        return v
    }

    func float(_ name: String, _ defaultValue: Float) throws(RuntimeError) -> Float {
        guard let a = node.attributes[name] else { return defaultValue }
        switch a {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: throw fail("attribute '\(name)' should be FLOAT, is \(a.kindName)")
        }
    }

    func string(_ name: String, _ defaultValue: String) throws(RuntimeError) -> String {
        guard let a = node.attributes[name] else { return defaultValue }
        guard case .string(let v) = a else { throw fail("attribute '\(name)' should be STRING, is \(a.kindName)") }
        return v
    }

    func ints(_ name: String) throws(RuntimeError) -> [Int64]? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case .ints(let v): return v
        case .int(let v): return [v]
        default: throw fail("attribute '\(name)' should be INTS, is \(a.kindName)")
        }
    }

    func floats(_ name: String) throws(RuntimeError) -> [Float]? {
        guard let a = node.attributes[name] else { return nil }
        guard case .floats(let v) = a else { throw fail("attribute '\(name)' should be FLOATS, is \(a.kindName)") }
        return v
    }

    func tensor(_ name: String) throws(RuntimeError) -> TensorData? {
        guard let a = node.attributes[name] else { return nil }
        guard case .tensor(let v) = a else { throw fail("attribute '\(name)' should be TENSOR, is \(a.kindName)") }
        return v
    }

    /// Refuses attributes this implementation does not handle, so nothing is silently ignored.
    func refuse(_ names: [String], unless allowed: (Attribute) -> Bool = { _ in false }) throws(RuntimeError) {
        for n in names {
            if let a = node.attributes[n], !allowed(a) { throw fail("attribute '\(n)' is not supported") }
        }
    }
}

/// Normalizes an axis in `-rank..<rank` to `0..<rank`, or reports it (a scalar has no axis).
func normalizeAxis(_ axis: Int64, rank: Int, node: String) throws(RuntimeError) -> Int {
    let a = Int(axis) < 0 ? Int(axis) + rank : Int(axis)
    guard a >= 0, a < rank else { throw .shapeMismatch(node: node, detail: "axis \(axis) is out of range for rank \(rank)") }
    return a
}

/// The product of dims, or a shape error if it overflows or is over `limit`.
func elementCount(_ shape: [Int], node: String, limit: Int = Int(Int32.max) * 4) throws(RuntimeError) -> Int {
    var n = 1
    for d in shape {
        guard d >= 0 else { throw .shapeMismatch(node: node, detail: "negative dimension in \(shape)") }
        let (m, o) = n.multipliedReportingOverflow(by: d)
        guard !o, m <= limit else { throw .limitExceeded(what: "elements of a tensor of node '\(node)' \(shape)", value: o ? Int.max : m, limit: limit) }
        n = m
    }
    return n
}

/// Numpy-style broadcast of two shapes.
func broadcastShapes(_ a: [Int], _ b: [Int], node: String) throws(RuntimeError) -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else {
            throw .shapeMismatch(node: node, detail: "shapes \(a) and \(b) do not broadcast")
        }
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Row-major element strides of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        s[i] = acc
        acc *= shape[i]
    }
    return s
}
