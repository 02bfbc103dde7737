/// Folds a channel affine exactly into the Conv or Gemm that produces its input (BN before the
/// activation costs nothing): W'[m] = W[m]·s[m], b'[m] = b[m]·s[m] + t[m] (a Conv applies s to W while
/// packing it, so no scaled copy is made; a Gemm gets a scaled copy). Only when the producer
/// has constant weights, no epilogue yet, and no other reader of its output.
struct FoldChannelAffineIntoProducer: GraphPass {
    var bitExact: Bool { false }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var removed = Set<Int>()
        let producers = graph.producers()
        let uses = graph.useCounts()
        for i in graph.nodes.indices {
            guard let affine = graph.nodes[i].op as? ChannelAffine, let x = graph.nodes[i].inputs[0], let y = graph.nodes[i].outputs[0],
                  let p = producers[x.index], graph.hasSingleUse(x, uses: uses) else { continue }
            let producer = graph.nodes[p]
            if var conv = producer.op as? Conv, conv.epilogue.isEmpty, conv.weightScale == nil, let w = graph.constant(producer.inputs[1]) {
                let m = w.shape[0]
                let oldBias = producer.inputs.count > 2 ? graph.constant(producer.inputs[2])?.floatArray() : nil
                if producer.inputs.count > 2, producer.inputs[2] != nil, oldBias == nil { continue }
                let bias = (0..<m).map { (oldBias?[$0] ?? 0) * affine.scale[$0] + affine.shift[$0] }
                let bID = graph.addValue(producer.name + ".folded_bias", constant: ConstantTensor(shape: [m], floats: bias))
                // W is scaled while it is packed (no folded copy of the weights is ever made).
                conv.weightScale = FoldedWeightScale(values: affine.scale, key: "fold:\(affine.origin)>\(w.buffer.key)")
                conv.epilogue.fused.append("\(affine.origin) folded")
                graph.nodes[p].op = conv
                graph.nodes[p].inputs = [producer.inputs[0], producer.inputs[1], bID]
            } else if var gemm = producer.op as? Gemm, gemm.epilogue.isEmpty, let b = graph.constant(producer.inputs[1]),
                      let outShape = graph[x].shape, outShape.count == 2, outShape[1] == affine.scale.count {
                // Y = alpha·A·B' + beta·C; the channel is the column n.
                let (k, n) = gemm.transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
                var weights = b.floatArray()
                for kk in 0..<k {
                    for nn in 0..<n {
                        let idx = gemm.transB ? nn * k + kk : kk * n + nn
                        weights[idx] *= affine.scale[nn]
                    }
                }
                var c = [Float](repeating: 0, count: n)
                if producer.inputs.count > 2, let cid = producer.inputs[2] {
                    guard let cc = graph.constant(cid), (cc.count == n && cc.shape.last == n) || cc.count == 1 else { continue }
                    let v = cc.floatValues()
                    for nn in 0..<n { c[nn] = gemm.beta * v[cc.count == 1 ? 0 : nn] }
                }
                for nn in 0..<n { c[nn] = c[nn] * affine.scale[nn] + affine.shift[nn] }
                let wID = graph.addValue(producer.name + ".folded_weight", constant: ConstantTensor(shape: b.shape, floats: weights, key: "fold:\(affine.origin)>\(b.buffer.key)"))
                let cID = graph.addValue(producer.name + ".folded_bias", constant: ConstantTensor(shape: [n], floats: c))
                gemm.beta = 1
                gemm.epilogue.fused.append("\(affine.origin) folded")
                graph.nodes[p].op = gemm
                graph.nodes[p].inputs = [producer.inputs[0], wID, cID]
            } else {
                continue
            }
            graph.redirectOutput(of: p, to: y)
            removed.insert(i)
            record(&report, "\(affine.origin) folded into \(producer.name)")
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
