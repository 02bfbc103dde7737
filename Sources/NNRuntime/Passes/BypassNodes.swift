extension GraphPass {
    /// Removes the nodes `matches` selects whose output 0 equals their input 0 (Identity, eval-mode
    /// Dropout), rewiring every reader of the output to the input. Rewrites are collected and
    /// applied once (linear in the graph): `substitution` maps a removed node's output to the value
    /// replacing it, already final because its producer comes earlier and was seen first. A node is
    /// kept when removing it would make one value two graph outputs or a graph input an output.
    func bypassNodes(_ graph: inout RuntimeGraph, report: inout SessionReport, where matches: (RuntimeNode) -> Bool) {
        var removed = Set<Int>()
        var substitution: [ValueID: ValueID] = [:]
        var outputs = Set(graph.outputs)
        let inputs = Set(graph.inputs)
        for i in graph.nodes.indices where matches(graph.nodes[i]) {
            let node = graph.nodes[i]
            guard let original = node.inputs[0], let output = node.outputs[0] else { continue }
            let input = substitution[original] ?? original
            if outputs.contains(output) && (inputs.contains(input) || outputs.contains(input)) { continue }
            substitution[output] = input
            if outputs.remove(output) != nil { outputs.insert(input) }
            removed.insert(i)
            record(&report, "removed \(node.name)")
        }
        graph.replaceUses(substitution)
        removeNodes(&graph, removed)
    }
}
