// nnk_threadpool: every task runs exactly once per job, through the polling and the sleeping
// paths of the workers, and when two callers share one pool.
import CKernels
import Foundation
import Synchronization
import Testing

/// Per-task run counters for one job.
private final class Counts: @unchecked Sendable {
    let slots: UnsafeMutablePointer<Int64>
    let n: Int
    init(_ n: Int) {
        self.n = n
        slots = .allocate(capacity: n)
        slots.initialize(repeating: 0, count: n)
    }
    deinit { slots.deallocate() }
    var all: [Int64] { Array(UnsafeBufferPointer(start: slots, count: n)) }
}

private func runJob(_ pool: OpaquePointer?, _ counts: Counts) {
    nnk_threadpool_run(pool, Int64(counts.n), { ctx, t, _ in
        let c = Unmanaged<Counts>.fromOpaque(ctx!).takeUnretainedValue()
        c.slots[Int(t)] += 1          // each task index is run by exactly one thread
    }, Unmanaged.passUnretained(counts).toOpaque())
}

/// Which participants run a task right now (one flag each) and what went wrong.
private final class Participants: @unchecked Sendable {
    let busy: UnsafeMutablePointer<Atomic<Int>>
    let threads: Int
    let errors = Atomic<Int>(0), ran = Atomic<Int>(0)
    init(_ threads: Int) {
        self.threads = threads
        busy = .allocate(capacity: threads)
        for i in 0..<threads { (busy + i).initialize(to: Atomic<Int>(0)) }
    }
    deinit { busy.deallocate() }
}

@Suite struct ThreadPoolTests {
    @Test func everyTaskRunsOncePerJob() {
        let pool = nnk_threadpool_create(2)
        defer { nnk_threadpool_destroy(pool) }
        #expect(nnk_threadpool_threads(pool) == 2)
        for job in 0..<20_000 {
            let c = Counts(1 + job % 9)
            runJob(pool, c)
            if c.all != [Int64](repeating: 1, count: c.n) { Issue.record("job \(job): \(c.all)"); return }
        }
    }

    /// Workers that went to sleep (no job for a while) wake for the next one.
    @Test func sleepingWorkersWake() {
        let pool = nnk_threadpool_create(3)
        defer { nnk_threadpool_destroy(pool) }
        for job in 0..<20 {
            usleep(2_000)
            let c = Counts(7)
            runJob(pool, c)
            #expect(c.all == [Int64](repeating: 1, count: 7), "job \(job)")
        }
    }

    /// Participant numbers are below the thread count and never run two tasks at once (scratch is
    /// per participant); slow tasks on the caller let the worker claim most of them, and back.
    @Test func participantsRunOneTaskAtATime() {
        let pool = nnk_threadpool_create(3)
        defer { nnk_threadpool_destroy(pool) }
        let state = Participants(3)
        for job in 0..<2_000 {
            nnk_threadpool_run(pool, Int64(1 + job % 11), { ctx, _, participant in
                let s = Unmanaged<Participants>.fromOpaque(ctx!).takeUnretainedValue()
                let i = Int(participant)
                guard i >= 0 && i < s.threads else { s.errors.add(1, ordering: .relaxed); return }
                if s.busy[i].exchange(1, ordering: .acquiring) != 0 { s.errors.add(1, ordering: .relaxed) }
                if i == 0 { for _ in 0..<200 { _ = s.ran.load(ordering: .relaxed) } }   // a slower caller
                s.ran.add(1, ordering: .relaxed)
                s.busy[i].store(0, ordering: .releasing)
            }, Unmanaged.passUnretained(state).toOpaque())
        }
        #expect(state.errors.load(ordering: .relaxed) == 0)
        #expect(state.ran.load(ordering: .relaxed) == (0..<2_000).reduce(0) { $0 + 1 + $1 % 11 })
    }

    /// A second caller finds the pool busy and runs its job itself; both jobs complete.
    @Test func concurrentCallersShareOnePool() {
        let pool = nnk_threadpool_create(2)
        defer { nnk_threadpool_destroy(pool) }
        let failures = Atomic<Int>(0)
        let box = UnsafeSendablePool(pool)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for job in 0..<2_000 {
                let c = Counts(2 + job % 5)
                runJob(box.pool, c)
                if c.all != [Int64](repeating: 1, count: c.n) { failures.add(1, ordering: .relaxed) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}

private struct UnsafeSendablePool: @unchecked Sendable {
    let pool: OpaquePointer?
    init(_ pool: OpaquePointer?) { self.pool = pool }
}
