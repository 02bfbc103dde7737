#if canImport(Glibc)
import Glibc
#endif

/// How a session is built and run.
public struct SessionOptions: Sendable, Equatable {
    /// Worker threads for one run (default: all cores). Sessions with the same count share one
    /// process-wide pool; its workers poll for 200 µs after a parallel layer (the next layer of a run
    /// follows within microseconds), then block: an idle session uses no CPU.
    public var threads: Int
    /// Whether graph rewrites (BN folding, fusion, dropout removal...) run. Off is for comparison:
    /// eval semantics apply either way.
    public var optimize: Bool
    /// The most elements any one intermediate tensor may have.
    public var maxTensorElements: Int
    /// The most bytes one plan may hold: its activation arena and workspace, and the values
    /// computed when the plan is made (constant folding). Checked before allocating.
    public var maxMemoryBytes: Int = 1 << 34
    /// With `optimize`, only these passes run (by name, e.g. `FuseActivationIntoProducer`); `nil`: all.
    public var enabledPasses: Set<String>?
    /// Whether 3x3 stride-1 convolutions may use Winograd F(4x4, 3x3): about 2x faster there, with
    /// reassociated sums (error <= 2e-5 of the output scale; each such node is listed in
    /// `SessionReport.precisionNotes`). Off: every convolution sums directly.
    public var allowWinograd: Bool

    /// The names of the graph passes, in the order they run.
    public static var passNames: [String] { Planner.passes.map(\.name) }

    /// Creates options.
    public init(threads: Int = SessionOptions.coreCount, optimize: Bool = true, maxTensorElements: Int = 1 << 31,
                allowWinograd: Bool = true) {
        self.threads = max(1, threads)
        self.allowWinograd = allowWinograd
        self.optimize = optimize
        self.maxTensorElements = maxTensorElements
    }

    /// The number of online CPU cores.
    public static var coreCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}
