/// Deletes Identity nodes (exporters write them to forward weights and outputs).
struct RemoveIdentity: GraphPass {
    var bitExact: Bool { true }

    func run(_ graph: inout RuntimeGraph, report: inout SessionReport) throws(RuntimeError) {
        bypassNodes(&graph, report: &report) { $0.op is Identity }
    }
}
