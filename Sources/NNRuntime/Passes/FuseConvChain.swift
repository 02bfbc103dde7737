import CKernels

/// Fuses an inverted-residual block — a 1x1 Conv (optional), a depthwise Conv, a 1x1 Conv, each
/// intermediate read by nothing else — into one `ConvChain` that runs band by band with the
/// expanded tensors in cache. Only where they would not fit in cache anyway: the depthwise conv's
/// input is at least `minimumBytes` per image (MobileNetV2's blocks at 112x112 and 56x56). In place
/// of the 1x1 the first conv may be a dense one computed as an im2col GEMM, such as MobileNetV2's
/// 3x3 stride-2 stem before its first depthwise conv: its 1.6 MB output then never leaves L2.
struct FuseConvChain: GraphPass {
    var bitExact: Bool { true }

    /// Per image, of the depthwise conv's input: about the size of this machine's L2 (1 MiB).
    static let minimumBytes = 1 << 20

    enum Kind { case pointwise, depthwise, dense }

    /// A 2-D Conv with constant weights, without a residual: 1x1 with stride 1 and no padding
    /// (`pointwise`), depthwise (one filter per channel), or `dense`: one group, not a 1x1, computed
    /// by nnk_conv2d as an im2col GEMM (the chain computes it the same way, so the bits are the same).
    private func conv(_ graph: RuntimeGraph, _ node: RuntimeNode, _ kind: Kind) -> Conv? {
        guard let c = node.op as? Conv,
              let x = node.inputs[0], let w = graph.constant(node.inputs[1]), w.shape.count == 4,
              let xs = graph[x].shape, xs.count == 4, !c.epilogue.residual,
              node.inputs.count <= 3, !xs.contains(0), !w.shape.contains(0),
              let r = try? c.geometry.resolve(input: Array(xs[2...]), kernel: Array(w.shape[2...]), node: node.name)
        else { return nil }
        let pointwise = r.kernel == [1, 1] && r.strides == [1, 1] && r.pads.allSatisfy({ $0 == 0 })
        switch kind {
        case .pointwise:
            guard c.group == 1, pointwise else { return nil }
        case .depthwise:
            guard c.group == xs[1], w.shape[0] == xs[1], w.shape[1] == 1, c.group > 1 else { return nil }
        case .dense:
            var p = c.params2D(x: xs, w: w.shape, resolved: r)
            guard c.group == 1, !pointwise, nnk_conv2d_algorithm(&p) == Int32(NNK_CONV_ALGO_IM2COL) else { return nil }
        }
        return c
    }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        let producers = graph.producers()
        let uses = graph.useCounts()
        for j in graph.nodes.indices {
            // The project conv: 1x1, may carry a residual (checked apart from `conv`).
            guard var project = graph.nodes[j].op as? Conv, let d = graph.nodes[j].inputs[0],
                  let i = producers[d.index], !removed.contains(i), graph.hasSingleUse(d, uses: uses) else { continue }
            var plain = graph.nodes[j]
            let residual = project.epilogue.residual ? plain.inputs.last ?? nil : nil
            if project.epilogue.residual {
                project.epilogue.residual = false
                plain.op = project
                plain.inputs = Array(plain.inputs.prefix(3))
            }
            guard conv(graph, plain, .pointwise) != nil, project.epilogue.residual == false,
                  let depthwise = conv(graph, graph.nodes[i], .depthwise),
                  let e = graph.nodes[i].inputs[0], let es = graph[e].shape,
                  es[1...].reduce(4, *) >= FuseConvChain.minimumBytes else { continue }
            project.epilogue.residual = residual != nil
            var expand: Conv?
            var h: Int?
            var dense = false
            if let p = producers[e.index], !removed.contains(p), graph.hasSingleUse(e, uses: uses) {
                if let c = conv(graph, graph.nodes[p], .pointwise) {
                    (expand, h) = (c, p)
                } else if let c = conv(graph, graph.nodes[p], .dense) {
                    (expand, h, dense) = (c, p, true)
                }
            }
            let dwNode = graph.nodes[i], projectNode = graph.nodes[j]
            func input(_ node: RuntimeNode, _ k: Int) -> ValueID? { k < node.inputs.count ? node.inputs[k] : nil }
            let expandNode = h.map { graph.nodes[$0] }
            let inputs: [ValueID?] = [
                expandNode?.inputs[0] ?? e, expandNode.flatMap { input($0, 1) }, expandNode.flatMap { input($0, 2) },
                input(dwNode, 1), input(dwNode, 2), input(projectNode, 1), input(projectNode, 2), residual,
            ]
            graph.nodes[j].op = ConvChain(expand: expand, depthwise: depthwise, project: project, denseExpand: dense)
            graph.nodes[j].opType = "ConvChain"
            graph.nodes[j].inputs = inputs
            removed.insert(i)
            if let h { removed.insert(h) }
            let names = (expandNode.map { [$0.name] } ?? []) + [dwNode.name, projectNode.name]
            record(&report, names.joined(separator: " + ") + " run band by band as one chain")
        }
        removeNodes(&graph, removed)
    }
}
