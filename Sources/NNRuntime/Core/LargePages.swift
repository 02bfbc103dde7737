import CKernels
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for what a run streams through every time: a session's packed weights and folded
/// constants, and a run's activation arena. Anonymous mappings aligned to 2 MiB, with transparent
/// huge pages requested (Linux `MADV_HUGEPAGE`; where THP is `madvise`, as on Debian, nothing else
/// gets them). Weights read once per run (MobileNetV2's 14 MB at batch 1) otherwise cost a TLB miss
/// per 4 KiB, and the hardware prefetchers stop at every 4 KiB boundary: the 7x7 layers' weights
/// arrive at the speed of memory instead of L3's. Fresh mappings read as zero.
enum LargePages {
    static let alignment = 2 << 20

    /// False in builds with AddressSanitizer: there every buffer comes from malloc, so the
    /// sanitizer sees its bounds (a bump-allocated slab has no redzones between buffers).
    static let enabled = nnk_built_with_memory_checks() == 0

    /// `bytes` rounded up to whole 2 MiB pages, or nil when that overflows.
    static func mappedSize(_ bytes: Int) -> Int? {
        guard bytes >= 0, bytes <= Int.max - 2 * alignment else { return nil }
        return max(alignment, (bytes + alignment - 1) / alignment * alignment)
    }

    /// A zeroed, 2 MiB-aligned mapping of `mappedSize(bytes)` bytes, or nil when the system refuses.
    static func map(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard let size = mappedSize(bytes) else { return nil }
        // over-map by one page and trim, so the start is aligned
        guard let raw = mmap(nil, size + alignment, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED
        else { return nil }
        let address = UInt(bitPattern: raw)
        let start = (address + UInt(alignment) - 1) & ~UInt(alignment - 1)
        let head = Int(start - address)
        if head > 0 { munmap(raw, head) }
        let aligned = raw + head
        if alignment - head > 0 { munmap(aligned + size, alignment - head) }
        #if os(Linux)
        _ = madvise(aligned, size, MADV_HUGEPAGE)   // advice only: without THP the pages stay small
        #endif
        return aligned
    }

    static func unmap(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if let size = mappedSize(bytes) { munmap(pointer, size) }
    }
}

/// One mapping that long-lived buffers are carved from in allocation order (64-byte aligned, never
/// reused), so a session's weights lie together in execution order on huge pages. It is unmapped
/// when the last buffer carved from it goes.
final class LargePageSlab: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private var used = 0     // guarded by LargePageSlab.current's lock

    /// The slab new buffers come from while it lives (weak: buffers keep their slab, nothing else does).
    private static let current = Mutex<Weak>(Weak())
    private struct Weak: @unchecked Sendable { weak var slab: LargePageSlab? }

    /// A new slab's size: room for several models' weights, virtual until touched.
    static let chunkBytes = 32 << 20

    private init?(capacity: Int) {
        guard let p = LargePages.map(capacity) else { return nil }
        base = p
        self.capacity = LargePages.mappedSize(capacity) ?? capacity
    }

    deinit { LargePages.unmap(base, bytes: capacity) }

    /// `bytes` (64-byte aligned, zeroed) and the slab that holds them, or nil when the system
    /// refuses the memory.
    static func carve(_ bytes: Int) -> (pointer: UnsafeMutableRawPointer, slab: LargePageSlab)? {
        guard bytes >= 0, bytes <= Int.max - chunkBytes - 64 else { return nil }
        let need = max(64, (bytes + 63) / 64 * 64)
        return current.withLock { box -> (UnsafeMutableRawPointer, LargePageSlab)? in
            if let slab = box.slab, slab.capacity - slab.used >= need {
                let p = slab.base + slab.used
                slab.used += need
                return (p, slab)
            }
            guard let slab = LargePageSlab(capacity: max(need, chunkBytes)) else { return nil }
            slab.used = need
            // a buffer larger than a chunk gets a slab of its own; the current one keeps its room
            if need < chunkBytes || box.slab == nil { box.slab = slab }
            return (slab.base, slab)
        }
    }
}
