/// What the compiler did to one model: eval-semantics decisions, rewrites and fusions.
public struct SessionReport: Sendable, Equatable {
    /// One rewrite applied to the graph.
    public struct Rewrite: Sendable, Equatable, CustomStringConvertible {
        /// The pass that made it (`RemoveDropout`, `FoldChannelAffineIntoConv`, ...).
        public var pass: String
        /// The node(s) it concerns and what happened to them.
        public var detail: String
        /// Whether outputs stay bit-identical (`false`: reassociates floating-point arithmetic,
        /// differences of a few ulps are expected).
        public var bitExact: Bool

        /// One line: the pass, the detail, and whether it reassociates.
        public var description: String { "\(pass): \(detail)\(bitExact ? "" : " (reassociating)")" }
    }

    /// Nodes whose file asked for training behaviour (or that eval semantics changes), and what runs.
    public var evalSemantics: [String]
    /// Rewrites in the order they were applied.
    public var rewrites: [Rewrite]
    /// Nodes folded to constants at plan time (shape computations, constant subgraphs).
    public var foldedNodes: [String]
    /// The executed steps after optimization: node name, op type and any fusion carried.
    public var steps: [String]
    /// Nodes whose kernel reassociates arithmetic beyond summation order (e.g. Winograd), with the
    /// measured error bound and how to turn it off: "node: note".
    public var precisionNotes: [String] = []

    /// Creates a report (the runtime builds these; tests and tools may too).
    public init(evalSemantics: [String] = [], rewrites: [Rewrite] = [], foldedNodes: [String] = [], steps: [String] = []) {
        self.evalSemantics = evalSemantics
        self.rewrites = rewrites
        self.foldedNodes = foldedNodes
        self.steps = steps
    }
}

typealias PlanReport = SessionReport
