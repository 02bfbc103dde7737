import Dispatch
import Synchronization
import CKernels
import NNFormat

/// What shape inference knows about one input: type, concrete shape, and data when constant.
struct InputFact {
    var type: ElementTypeR
    var shape: [Int]
    var constant: ConstantTensor?
    var count: Int { shape.reduce(1, *) }
}

/// An output's inferred type and shape.
struct OutputFact: Equatable {
    var type: ElementTypeR
    var shape: [Int]
}

/// Where a value lives while a plan runs.
enum Slot: @unchecked Sendable {
    /// At a byte offset in the run's arena.
    case arena(Int)
    /// In a buffer owned by the plan (constants and folded values).
    case host(HostBuffer)
    /// In the caller's buffer for graph input `i`.
    case input(Int)
}

/// One operand of a kernel being bound: where it lives and what it is.
struct Operand {
    var slot: Slot
    var type: ElementTypeR
    var shape: [Int]
    var constant: ConstantTensor?
    var count: Int { shape.reduce(1, *) }
}

/// Everything a kernel is bound with.
struct BindContext {
    var node: String
    var inputs: [Operand?]
    var outputs: [Operand]
    var threads: Int
    /// SessionOptions.allowWinograd.
    var allowWinograd = true
}

/// One decoded operator: typed attributes, shape inference and kernel binding.
///
/// Each conforming type lives in its own file named after the ONNX operator, decodes and
/// validates its attributes once in `init`, and is the only code that reads them.
protocol Operator: Sendable {
    /// Output types and shapes for these inputs (`nil` marks an omitted optional input).
    func infer(_ inputs: [InputFact?], node: String) throws(RuntimeError) -> [OutputFact]
    /// A kernel computing the outputs from the inputs, for these concrete operands.
    func bind(_ context: BindContext) throws(RuntimeError) -> any Kernel
    /// When false, the outputs depend only on input shapes (Shape), so the node folds at plan time.
    var needsInputValues: Bool { get }
    /// When true the output is a view of input 0 (same bytes, new shape): no kernel runs.
    var isView: Bool { get }
    /// What this node does differently from what its file asked for, under eval semantics.
    var evalNote: String? { get }
    /// A short description of fusions carried (for reports), or `nil`.
    var fusionSummary: String? { get }
    /// Floating-point operations per run for these input facts (for `inspect` and `bench`).
    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int
}

extension Operator {
    var needsInputValues: Bool { true }
    var isView: Bool { false }
    var evalNote: String? { nil }
    var fusionSummary: String? { nil }
    func flops(_ inputs: [InputFact?], _ outputs: [OutputFact]) -> Int { outputs.reduce(0) { $0 + $1.shape.reduce(1, *) } }
}

/// A bound computation: runs one node of a plan.
protocol Kernel: Sendable {
    func run(_ context: RunContext)
    /// Set when the kernel trades exactness of summation for speed (SessionReport.precisionNotes).
    var precisionNote: String? { get }
}

extension Kernel {
    var precisionNote: String? { nil }
}

/// A view kernel: nothing to do, the output shares the input's memory.
struct NoKernel: Kernel {
    func run(_ context: RunContext) {}
}

/// The state of one run: where the arena and the caller's inputs are, and the workers.
struct RunContext: @unchecked Sendable {
    let arena: UnsafeMutableRawPointer
    let inputs: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let workspace: UnsafeMutablePointer<Float>
    let workspaceFloatsPerTask: Int
    let threads: Int
    /// The process's pool for `threads` threads (nil: one thread).
    var pool: OpaquePointer? = nil

    @inline(__always)
    func pointer(_ slot: Slot) -> UnsafeMutableRawPointer {
        switch slot {
        case .arena(let offset): return arena + offset
        case .host(let buffer): return buffer.pointer
        case .input(let i): return inputs[i]!
        }
    }

    @inline(__always)
    func floats(_ slot: Slot) -> UnsafeMutablePointer<Float> { pointer(slot).assumingMemoryBound(to: Float.self) }

    @inline(__always)
    func int64s(_ slot: Slot) -> UnsafeMutablePointer<Int64> { pointer(slot).assumingMemoryBound(to: Int64.self) }

    /// The scratch floats of one participant of a parallel region (0 for the calling thread, up to
    /// `threads - 1`): a participant runs one task at a time.
    func workspace(participant: Int) -> UnsafeMutablePointer<Float> {
        workspace + (participant % threads) * workspaceFloatsPerTask
    }

    /// The scratch shared by all tasks of the running step (its `sharedFloats`), after the
    /// participants' workspaces.
    func sharedScratch() -> UnsafeMutablePointer<Float> {
        workspace + threads * workspaceFloatsPerTask
    }

    /// Runs `body(task, participant)` for every task in `0..<tasks` on the session's workers; blocks
    /// until done. Tasks are claimed one at a time (a late worker's share is run by the others);
    /// `participant` (below `threads`) selects the scratch the task may use.
    func parallel(_ tasks: Int, _ body: (_ task: Int, _ participant: Int) -> Void) {
        if tasks <= 1 || threads <= 1 {
            for t in 0..<max(tasks, 0) { body(t, 0) }
            return
        }
        if let pool, nnk_threadpool_threads(pool) == Int32(threads) {
            withoutActuallyEscaping(body) { escapable in
                var task = escapable
                withUnsafeMutablePointer(to: &task) { box in
                    nnk_threadpool_run(pool, Int64(tasks), { ctx, t, participant in
                        ctx!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(Int(t), Int(participant))
                    }, box)
                }
            }
            return
        }
        let workers = min(threads, tasks)
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var t = w
                while t < tasks {
                    box.value(t, w)
                    t += workers
                }
            }
        }
    }
}

/// One fork-join pool per thread count for the whole process (`nnk_threadpool`: workers poll briefly
/// between a run's layers, then sleep), created on first use and kept.
enum ThreadPools {
    private static let pools = Mutex<[Int: UncheckedSendable<OpaquePointer?>]>([:])

    static func pool(threads: Int) -> OpaquePointer? {
        guard threads > 1 else { return nil }
        return pools.withLock { table in
            if let p = table[threads] { return p.value }
            let p = nnk_threadpool_create(Int32(threads))
            table[threads] = UncheckedSendable(p)
            return p
        }
    }
}

/// Carries a value across a concurrency boundary the compiler cannot check (kernel task bodies
/// that write disjoint parts of the output).
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
