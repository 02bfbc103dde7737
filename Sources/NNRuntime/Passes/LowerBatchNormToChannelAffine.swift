/// Rewrites BatchNormalization with constant parameters as a per-channel affine (eval semantics:
/// running statistics), which later passes fold into a conv/gemm or fuse into an epilogue.
struct LowerBatchNormToChannelAffine: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        let uses = graph.useCounts()
        for i in graph.nodes.indices {
            guard let bn = graph.nodes[i].op as? BatchNormalization else { continue }
            let node = graph.nodes[i]
            if node.outputs.dropFirst().contains(where: { $0.map { uses[$0.index] > 0 || graph.outputs.contains($0) } ?? false }) { continue }
            let params = (1...4).map { graph.constant(node.inputs[$0]) }
            guard params.allSatisfy({ $0?.type == .float }) else { continue }
            let p = params.map { $0!.floatArray() }
            let (scale, shift) = BatchNormalization.affine(scale: p[0], bias: p[1], mean: p[2], variance: p[3], epsilon: bn.epsilon)
            graph.nodes[i].op = ChannelAffine(scale: scale, shift: shift, origin: node.name)
            graph.nodes[i].opType = "ChannelAffine"
            graph.nodes[i].inputs = [node.inputs[0]]
            graph.nodes[i].outputs = [node.outputs[0]]
            record(&report, "\(node.name) → per-channel affine (running statistics)")
        }
    }
}
