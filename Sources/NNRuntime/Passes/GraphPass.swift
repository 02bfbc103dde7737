/// One graph rewrite. Each pass is one file, runs after shape inference (shapes and constants are
/// known), matches on typed operators, and records what it changed in the report.
protocol GraphPass: Sendable {
    /// The pass's name in reports (a verb phrase, like the type).
    var name: String { get }
    /// Whether the outputs stay bit-identical after this pass.
    var bitExact: Bool { get }
    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError)
}

extension GraphPass {
    var name: String { String(describing: type(of: self)) }

    func record(_ report: inout SessionReport, _ detail: String, bitExact: Bool? = nil) {
        report.rewrites.append(.init(pass: name, detail: detail, bitExact: bitExact ?? self.bitExact))
    }
}

extension RuntimeGraph {
    /// Whether `id` is read by exactly one node input and is not a graph output.
    func hasSingleUse(_ id: ValueID, uses: [Int]) -> Bool {
        uses[id.index] == 1 && !outputs.contains(id)
    }

    /// Makes node `i` write `value` instead of its output 0 (used when a consumer is fused into it).
    mutating func redirectOutput(of i: Int, to value: ValueID) {
        nodes[i].outputs[0] = value
    }
}
