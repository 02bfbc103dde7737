/// Fuses a residual Add into the Conv producing one operand: the other operand (same shape,
/// computed earlier) is added in the conv's epilogue before any activation.
struct FuseResidualAddIntoConv: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        let producers = graph.producers()
        let uses = graph.useCounts()
        for i in graph.nodes.indices {
            guard let add = graph.nodes[i].op as? Binary, add.op == .add, let y = graph.nodes[i].outputs[0] else { continue }
            let operands = graph.nodes[i].inputs
            guard operands.count == 2, let a = operands[0], let b = operands[1] else { continue }
            for (mine, other) in [(a, b), (b, a)] {
                guard let p = producers[mine.index], !removed.contains(p), graph.hasSingleUse(mine, uses: uses),
                      var conv = graph.nodes[p].op as? Conv, conv.epilogue.isEmpty || (!conv.epilogue.residual && conv.epilogue.acceptsActivation),
                      graph[mine].shape == graph[other].shape, mine != other else { continue }
                // The other operand must exist when the conv runs.
                if let q = producers[other.index], q >= p { continue }
                conv.epilogue.residual = true
                conv.epilogue.fused.append(graph.nodes[i].name + " (residual)")
                var inputs = graph.nodes[p].inputs
                while inputs.count < Conv.residualInput { inputs.append(nil) }
                inputs.append(other)
                graph.nodes[p].op = conv
                graph.nodes[p].inputs = inputs
                graph.redirectOutput(of: p, to: y)
                removed.insert(i)
                record(&report, "\(graph.nodes[i].name) fused into \(graph.nodes[p].name) as a residual")
                break
            }
        }
        removeNodes(&graph, removed)
    }
}
