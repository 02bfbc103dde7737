/// Deletes Dropout nodes (the identity under eval semantics) whose mask output is unused.
struct RemoveDropout: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        let uses = graph.useCounts()
        let graphOutputs = Set(graph.outputs)
        bypassNodes(&graph, report: &report) { node in
            guard node.op is Dropout else { return false }
            if node.outputs.count > 1, let mask = node.outputs[1], uses[mask.index] > 0 || graphOutputs.contains(mask) { return false }
            return true
        }
    }
}
