/// Deletes nodes none of whose outputs is read by another node or is a graph output.
struct RemoveDeadNodes: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        var live = Set(graph.outputs)
        var keep = [Bool](repeating: false, count: graph.nodes.count)
        for i in graph.nodes.indices.reversed() {
            let node = graph.nodes[i]
            if node.outputs.contains(where: { $0.map(live.contains) ?? false }) {
                keep[i] = true
                for case let input? in node.inputs { live.insert(input) }
            } else {
                record(&report, "removed unused \(node.name)")
            }
        }
        graph.nodes = graph.nodes.enumerated().filter { keep[$0.offset] }.map(\.element)
    }
}
