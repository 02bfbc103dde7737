import CKernels
import Dispatch

/// Threads and scratch memory for the hot loops of training: GEMMs through the runtime's packed
/// `nnk_sgemm` and per-sample work split over a fixed number of threads.
///
/// Results depend only on the inputs and the thread count: GEMM output is bit-identical for any
/// task split, and every reduction runs in a fixed order.
public final class ComputeContext: @unchecked Sendable {
    /// Worker threads used by one forward or backward pass.
    public let threads: Int
    private var workspace: UnsafeMutablePointer<Float>?
    private var workspaceFloats = 0
    private let partials = Scratch()

    /// Creates a context using `threads` threads (at least 1).
    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    deinit { workspace?.deallocate() }

    /// Opt-in for executables that train: a training step frees and reallocates the same
    /// multi-megabyte buffers, so keep freed memory in the process (glibc malloc tuning, process-wide).
    public static func keepFreedBuffers() {
        _ = nnk_train_keep_freed_buffers()
    }

    /// Runs `body(i)` for every `i` in `0..<count`, the iterations spread over the threads in
    /// contiguous chunks; blocks until all are done. `body` must write disjoint memory per `i`.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        let workers = min(threads, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBox(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                for i in lo..<hi { box.value(i) }
            }
        }
    }

    /// Runs `body(task, workspace)` for every task in `0..<tasks` on the threads, each running
    /// task with its own `workspaceFloats` floats of scratch (for kernels with a task partition).
    public func runTasks(_ tasks: Int, workspaceFloats: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let slots = max(1, min(tasks, threads))
        let ws = UncheckedBox(scratch(max(workspaceFloats, 1) * slots))
        let stride = max(workspaceFloats, 1)
        parallelFor(slots) { w in                 // worker w runs tasks w, w + slots, ...
            var t = w
            while t < tasks {
                body(t, ws.value + w * stride)
                t += slots
            }
        }
    }

    private func scratch(_ floats: Int) -> UnsafeMutablePointer<Float> {
        if let w = workspace, workspaceFloats >= floats { return w }
        workspace?.deallocate()
        let w = UnsafeMutablePointer<Float>.allocate(capacity: max(floats, 1))
        workspace = w
        workspaceFloats = floats
        return w
    }

    /// C (m×n, row stride ldc) = alpha · A (m×k) · B (k×n), then `bias` per row (`biasPerRow`) or
    /// per column if given. A element (i, p) is `a[i*aRow + p*aCol]`, B element (p, j) is `b[p*bRow + j*bCol]`.
    public func gemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, aRow: Int, aCol: Int,
        b: UnsafePointer<Float>, bRow: Int, bCol: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        bias: UnsafePointer<Float>? = nil, biasPerRow: Bool = true
    ) {
        guard m > 0, n > 0 else { return }
        let (M, N, K) = (Int64(m), Int64(n), Int64(k))
        let tasks = max(1, Int(nnk_sgemm_task_count(M, N, K, Int32(threads))))
        let perTask = Int(nnk_sgemm_workspace_floats(M, N, K))
        let ws = UncheckedBox(scratch(perTask * min(tasks, threads)))
        var ep = nnk_epilogue()
        nnk_epilogue_init(&ep)
        ep.bias = bias
        ep.channel_axis = biasPerRow ? 0 : 1
        let slots = min(tasks, threads)
        withUnsafePointer(to: &ep) { epPointer in
            let run = { (t: Int) in
                nnk_sgemm(M, N, K, alpha, a, Int64(aRow), Int64(aCol), b, Int64(bRow), Int64(bCol), nil,
                          c, Int64(ldc), epPointer, ws.value + (t % slots) * perTask, Int64(t), Int64(tasks))
            }
            if slots <= 1 {
                for t in 0..<tasks { run(t) }
            } else {
                // Each worker runs tasks w, w+slots, ... with its own workspace slot.
                parallelFor(slots) { w in
                    var t = w
                    while t < tasks { run(t); t += slots }
                }
            }
        }
    }
}

extension ComputeContext {
    /// Like `gemm`, for a small output with a long inner dimension (weight gradients: K is the batch
    /// times the positions): each thread multiplies one contiguous slice of K into its own partial
    /// result, and the partials are summed in thread order, so the result depends only on the
    /// inputs and the thread count.
    public func gemmSplitK(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, aRow: Int, aCol: Int,
        b: UnsafePointer<Float>, bRow: Int, bCol: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let parts = threads > 1 && k >= 2048 && m * n <= 1 << 16 ? threads : 1
        guard parts > 1 else {
            return gemm(m: m, n: n, k: k, a: a, aRow: aRow, aCol: aCol, b: b, bRow: bRow, bCol: bCol, c: c, ldc: ldc)
        }
        let slice = (k + parts - 1) / parts
        let perTask = Int(nnk_sgemm_workspace_floats(Int64(m), Int64(n), Int64(slice)))
        let ws = UncheckedBox(scratch(perTask * parts))
        let out = UncheckedBox(partials.floats(parts * m * n))
        parallelFor(parts) { t in             // part t covers inner indices [t·slice, min(k, (t+1)·slice))
            let k0 = t * slice, kc = max(0, min(k, k0 + slice) - k0)
            nnk_sgemm(Int64(m), Int64(n), Int64(kc), 1, a + k0 * aCol, Int64(aRow), Int64(aCol), b + k0 * bRow, Int64(bRow), Int64(bCol),
                      nil, out.value + t * m * n, Int64(n), nil, ws.value + t * perTask, 0, 1)
        }
        for i in 0..<m {                       // partials are (parts, m, n)
            for j in 0..<n {
                var s = out.value[i * n + j]
                for t in 1..<parts { s += out.value[(t * m + i) * n + j] }
                c[i * ldc + j] = s
            }
        }
    }
}

/// Carries a value into concurrently running closures that write disjoint memory.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
