/// Deletes Identity nodes (exporters write them to forward weights and outputs).
struct RemoveIdentity: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        for i in graph.nodes.indices where graph.nodes[i].op is Identity {
            // Read the node afresh: removing an earlier one may have rewired its input.
            let node = graph.nodes[i]
            guard let input = node.inputs[0], let output = node.outputs[0] else { continue }
            // Keep the node when it would make one value two graph outputs or an input an output.
            if graph.outputs.contains(output) && (graph.inputs.contains(input) || graph.outputs.contains(input)) { continue }
            graph.replaceUses(of: output, with: input)
            removed.insert(i)
            record(&report, "removed \(node.name)")
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
