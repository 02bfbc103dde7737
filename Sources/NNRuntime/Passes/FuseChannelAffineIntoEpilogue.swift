/// Fuses a channel affine that could not be folded (BN after the activation) into the producing
/// Conv or Gemm's epilogue as a post-activation scale and shift, so both BN placements cost one
/// pass over the output.
struct FuseChannelAffineIntoEpilogue: GraphPass {
    var bitExact: Bool { false }  // the C compiler may contract y*s+t into one FMA

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        let producers = graph.producers()
        let uses = graph.useCounts()
        for i in graph.nodes.indices {
            guard let affine = graph.nodes[i].op as? ChannelAffine, let x = graph.nodes[i].inputs[0], let y = graph.nodes[i].outputs[0],
                  let p = producers[x.index], graph.hasSingleUse(x, uses: uses), var e = graph.nodes[p].epilogue,
                  e.postScale == nil, e.postShift == nil else { continue }
            // Gemm's channel is its column; the affine's channel is dim 1 of a 2-D output: the same.
            e.postScale = affine.scale
            e.postShift = affine.shift
            e.fused.append("\(affine.origin) (post-activation affine)")
            graph.nodes[p].setEpilogue(e)
            graph.redirectOutput(of: p, to: y)
            removed.insert(i)
            record(&report, "\(affine.origin) fused into the epilogue of \(graph.nodes[p].name)")
        }
        removeNodes(&graph, removed)
    }
}
