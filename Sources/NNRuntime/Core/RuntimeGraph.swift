import NNFormat

/// The index of a value in a `RuntimeGraph`.
struct ValueID: Hashable, Sendable, Comparable {
    let index: Int
    static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
}

/// A value: its name, and once known its type and concrete shape, and its data if constant.
struct RuntimeValue {
    var name: String
    var type: ElementTypeR?
    var shape: [Int]?
    var constant: ConstantTensor?
}

/// A node with its decoded operator.
struct RuntimeNode {
    var name: String
    var opType: String
    var op: any Operator
    var inputs: [ValueID?]
    var outputs: [ValueID?]
}

/// The graph the runtime rewrites and plans: typed operators over numbered values.
struct RuntimeGraph {
    var values: [RuntimeValue] = []
    var nodes: [RuntimeNode] = []
    var inputs: [ValueID] = []
    var outputs: [ValueID] = []

    mutating func addValue(_ name: String, constant: ConstantTensor? = nil) -> ValueID {
        values.append(RuntimeValue(name: name, type: constant?.type, shape: constant?.shape, constant: constant))
        return ValueID(index: values.count - 1)
    }

    subscript(_ id: ValueID) -> RuntimeValue {
        get { values[id.index] }
        set { values[id.index] = newValue }
    }

    func constant(_ id: ValueID?) -> ConstantTensor? {
        id.flatMap { values[$0.index].constant }
    }

    /// How many node inputs and graph outputs read each value.
    func useCounts() -> [Int] {
        var uses = [Int](repeating: 0, count: values.count)
        for n in nodes { for case let i? in n.inputs { uses[i.index] += 1 } }
        for o in outputs { uses[o.index] += 1 }
        return uses
    }

    /// The index of the node producing each value (nil for inputs and constants).
    func producers() -> [Int?] {
        var p = [Int?](repeating: nil, count: values.count)
        for (i, n) in nodes.enumerated() { for case let o? in n.outputs { p[o.index] = i } }
        return p
    }

    /// Replaces every use of each key of `substitution` (node inputs and graph outputs) with its
    /// value, in one pass over the graph (removal passes collect their rewrites and apply them
    /// together: one `replaceUses` per removed node is quadratic in a long chain).
    mutating func replaceUses(_ substitution: [ValueID: ValueID]) {
        guard !substitution.isEmpty else { return }
        for i in nodes.indices where nodes[i].inputs.contains(where: { $0.map { substitution[$0] != nil } ?? false }) {
            nodes[i].inputs = nodes[i].inputs.map { $0.map { substitution[$0] ?? $0 } }
        }
        outputs = outputs.map { substitution[$0] ?? $0 }
    }

    /// Replaces every use of `old` (node inputs and graph outputs) with `new`.
    mutating func replaceUses(of old: ValueID, with new: ValueID) {
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
        }
        outputs = outputs.map { $0 == old ? new : $0 }
    }
}
