/// Fuses Relu, LeakyRelu, Clip (constant bounds), Sigmoid and Tanh into the epilogue of the Conv
/// or Gemm producing their input, when nothing else reads that input.
struct FuseActivationIntoProducer: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        let producers = graph.producers()
        let uses = graph.useCounts()
        for i in graph.nodes.indices {
            let node = graph.nodes[i]
            let function: Epilogue.Activation
            if let a = node.op as? Activation {
                function = a.function
            } else if let c = node.op as? Clip {
                let facts = node.inputs.map { id in id.map { InputFact(type: .float, shape: graph[$0].shape ?? [], constant: graph[$0].constant) } }
                guard let (lo, hi) = c.constantBounds(facts) else { continue }
                function = .clip(min: lo, max: hi)
            } else {
                continue
            }
            guard let x = node.inputs[0], let y = node.outputs[0], let p = producers[x.index], graph.hasSingleUse(x, uses: uses),
                  var e = graph.nodes[p].epilogue, e.acceptsActivation else { continue }
            e.activation = function
            e.fused.append(node.name)
            graph.nodes[p].setEpilogue(e)
            graph.redirectOutput(of: p, to: y)
            removed.insert(i)
            record(&report, "\(node.name) (\(function.name)) fused into \(graph.nodes[p].name)")
        }
        removeNodes(&graph, removed)
    }
}
