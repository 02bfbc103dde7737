/// Deletes Identity nodes (exporters write them to forward weights and outputs).
struct RemoveIdentity: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        // Rewrites are collected and applied once; `substitution` maps a removed node's output to
        // the value replacing it (already final: its producer comes earlier and was seen first).
        var substitution: [ValueID: ValueID] = [:]
        var outputs = Set(graph.outputs)
        let inputs = Set(graph.inputs)
        for i in graph.nodes.indices where graph.nodes[i].op is Identity {
            // Read the node afresh: removing an earlier one may have rewired its input.
            let node = graph.nodes[i]
            guard let original = node.inputs[0], let output = node.outputs[0] else { continue }
            let input = substitution[original] ?? original
            // Keep the node when it would make one value two graph outputs or an input an output.
            if outputs.contains(output) && (inputs.contains(input) || outputs.contains(input)) { continue }
            substitution[output] = input
            if outputs.remove(output) != nil { outputs.insert(input) }
            removed.insert(i)
            record(&report, "removed \(node.name)")
        }
        graph.replaceUses(substitution)
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
