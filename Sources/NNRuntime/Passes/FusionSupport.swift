/// Access to the epilogue of the ops that carry one (Conv and Gemm), for the fusion passes.
extension RuntimeNode {
    var epilogue: Epilogue? {
        if let c = op as? Conv { return c.epilogue }
        if let g = op as? Gemm { return g.epilogue }
        return nil
    }

    mutating func setEpilogue(_ e: Epilogue) {
        if var c = op as? Conv {
            c.epilogue = e
            op = c
        } else if var g = op as? Gemm {
            g.epilogue = e
            op = g
        }
    }
}

/// Removes the nodes at `indices`.
func removeNodes(_ graph: inout RuntimeGraph, _ indices: Set<Int>) {
    graph.nodes = graph.nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
}
