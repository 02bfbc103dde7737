/// Deletes Dropout nodes (the identity under eval semantics) whose mask output is unused.
struct RemoveDropout: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        let uses = graph.useCounts()
        var removed = Set<Int>()
        // Rewrites are collected and applied once; `substitution` maps a removed node's output to
        // the value replacing it (already final: its producer comes earlier and was seen first).
        var substitution: [ValueID: ValueID] = [:]
        var outputs = Set(graph.outputs)
        let inputs = Set(graph.inputs)
        for i in graph.nodes.indices where graph.nodes[i].op is Dropout {
            // Read the node afresh: removing an earlier one may have rewired its input.
            let node = graph.nodes[i]
            if node.outputs.count > 1, let mask = node.outputs[1], uses[mask.index] > 0 || graph.outputs.contains(mask) { continue }
            guard let original = node.inputs[0], let output = node.outputs[0] else { continue }
            let input = substitution[original] ?? original
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
