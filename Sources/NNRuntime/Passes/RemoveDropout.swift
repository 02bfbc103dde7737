/// Deletes Dropout nodes (the identity under eval semantics) whose mask output is unused.
struct RemoveDropout: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        let uses = graph.useCounts()
        var removed: [Int] = []
        for i in graph.nodes.indices where graph.nodes[i].op is Dropout {
            // Read the node afresh: removing an earlier one may have rewired its input.
            let node = graph.nodes[i]
            if node.outputs.count > 1, let mask = node.outputs[1], uses[mask.index] > 0 || graph.outputs.contains(mask) { continue }
            guard let input = node.inputs[0], let output = node.outputs[0] else { continue }
            if graph.outputs.contains(output) && (graph.inputs.contains(input) || graph.outputs.contains(input)) { continue }
            graph.replaceUses(of: output, with: input)
            removed.append(i)
            record(&report, "removed \(node.name)")
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
