import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run's memory: the activation arena, the table of caller input pointers, and workspaces.
/// Blocks of a megabyte or more are huge-page mappings (`LargePages`), smaller ones plain memory
/// (a 2 MiB page for a LeNet's few kilobytes would only grow its footprint).
final class Arena: @unchecked Sendable {
    let memory: UnsafeMutableRawPointer
    let inputs: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let workspace: UnsafeMutablePointer<Float>
    private let memoryBytes: Int, workspaceBytes: Int

    static let mappedFrom = 1 << 20

    /// Throws `outOfMemory` when the system refuses either block (nothing is kept).
    init(bytes: Int, inputCount: Int, workspaceFloats: Int) throws(RuntimeError) {
        guard let p = Arena.allocate(bytes) else {
            throw .outOfMemory(what: "the activation arena of a run", bytes: bytes)
        }
        let workspaceBytes = workspaceFloats.multipliedReportingOverflow(by: 4)
        guard !workspaceBytes.overflow, let w = Arena.allocate(workspaceBytes.partialValue) else {
            Arena.release(p, bytes: bytes)
            throw .outOfMemory(what: "the kernels' scratch memory of a run", bytes: workspaceBytes.overflow ? Int.max : workspaceBytes.partialValue)
        }
        memory = p
        memoryBytes = bytes
        self.workspaceBytes = workspaceBytes.partialValue
        workspace = w.bindMemory(to: Float.self, capacity: max(workspaceFloats, 16))
        inputs = .allocate(capacity: max(inputCount, 1))
        inputs.initialize(repeating: nil, count: max(inputCount, 1))
    }

    /// Whether a block of `bytes` is a huge-page mapping (not in sanitizer builds: see LargePages).
    private static func mapped(_ bytes: Int) -> Bool { bytes >= mappedFrom && LargePages.enabled }

    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
        if mapped(bytes) { return LargePages.map(bytes) }
        var p: UnsafeMutableRawPointer?
        guard bytes >= 0, posix_memalign(&p, 64, max(bytes, 64)) == 0 else { return nil }
        return p
    }

    private static func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if mapped(bytes) { LargePages.unmap(pointer, bytes: bytes) } else { free(pointer) }
    }

    deinit {
        Arena.release(memory, bytes: memoryBytes)
        inputs.deallocate()
        Arena.release(UnsafeMutableRawPointer(workspace), bytes: workspaceBytes)
    }
}

/// One step of a plan: a node's bound kernel.
struct PlanStep: @unchecked Sendable {
    var node: String
    var opType: String
    var kernel: any Kernel
    var flops: Int
}

/// A fixed sequence of kernels over one pre-planned arena, for one set of input shapes.
///
/// Runs take an arena from a pool (allocating one only when all are busy), so concurrent runs on
/// one plan are safe and a steady stream of runs allocates nothing.
final class ExecutionPlan: Sendable {
    let steps: [PlanStep]
    let arenaBytes: Int
    let workspaceFloatsPerTask: Int
    /// Scratch shared by the tasks of a step, after the threads' workspaces.
    let sharedFloats: Int
    let threads: Int
    let inputCount: Int
    let outputs: [(slot: Slot, fact: OutputFact)]
    let report: PlanReport
    private let arenas = Mutex<[Arena]>([])
    /// The process's thread pool for `threads`.
    private let poolBox: UncheckedSendable<OpaquePointer?>
    private var pool: OpaquePointer? { poolBox.value }

    init(steps: [PlanStep], arenaBytes: Int, workspaceFloatsPerTask: Int, sharedFloats: Int, threads: Int, inputCount: Int,
         outputs: [(slot: Slot, fact: OutputFact)], report: PlanReport) {
        self.steps = steps
        self.arenaBytes = arenaBytes
        self.workspaceFloatsPerTask = workspaceFloatsPerTask
        self.sharedFloats = sharedFloats
        self.threads = threads
        self.inputCount = inputCount
        self.outputs = outputs
        self.report = report
        poolBox = UncheckedSendable(ThreadPools.pool(threads: threads))
    }

    private func checkout() throws(RuntimeError) -> Arena {
        if let a = arenas.withLock({ $0.popLast() }) { return a }
        return try Arena(bytes: arenaBytes, inputCount: inputCount, workspaceFloats: workspaceFloatsPerTask * threads + sharedFloats)
    }

    private func checkin(_ a: Arena) { arenas.withLock { $0.append(a) } }

    /// Runs the plan; `inputs` are the caller's buffers in graph-input order; `collect` reads the
    /// outputs while the arena is still held.
    func run<R>(inputs: [UnsafeMutableRawPointer], collect: (RunContext) -> R) throws(RuntimeError) -> R {
        try run(setInputs: { table in for (i, p) in inputs.enumerated() { table[i] = p } }, collect: collect)
    }

    /// Runs the plan; `setInputs` fills the table of caller input pointers (graph-input order).
    /// Throws only when the system refuses the memory of a first (or concurrent) run's arena.
    func run<R>(setInputs: (UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Void,
                collect: (RunContext) -> R) throws(RuntimeError) -> R {
        let arena = try checkout()
        defer { checkin(arena) }
        setInputs(arena.inputs)
        let context = RunContext(arena: arena.memory, inputs: arena.inputs, workspace: arena.workspace,
                                 workspaceFloatsPerTask: workspaceFloatsPerTask, threads: threads,
                                 pool: pool)
        for step in steps { step.kernel.run(context) }
        return collect(context)
    }

    /// Runs the plan timing each step (for `bench --per-op`); returns nanoseconds per step.
    func runProfiled(inputs: [UnsafeMutableRawPointer]) throws(RuntimeError) -> [UInt64] {
        let arena = try checkout()
        defer { checkin(arena) }
        for (i, p) in inputs.enumerated() { arena.inputs[i] = p }
        let context = RunContext(arena: arena.memory, inputs: arena.inputs, workspace: arena.workspace,
                                 workspaceFloatsPerTask: workspaceFloatsPerTask, threads: threads,
                                 pool: pool)
        var times: [UInt64] = []
        times.reserveCapacity(steps.count)
        for step in steps {
            let t0 = monotonicNanoseconds()
            step.kernel.run(context)
            times.append(monotonicNanoseconds() - t0)
        }
        return times
    }
}

/// Nanoseconds from a monotonic clock.
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
