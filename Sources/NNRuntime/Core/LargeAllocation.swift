#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocations of activation arenas and weights.
///
/// Blocks of 2 MiB and more are 2 MiB aligned and, on Linux, marked for transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`: Debian's default THP mode is `madvise`). A CNN's activations and
/// weights are tens of MB read in long streams: with 4 KiB pages a 5 MB tensor spans 1,200 pages
/// and its convolution misses the TLB; with 2 MiB pages it spans three, and faulting the block in
/// takes one fault per 2 MiB instead of 512. Smaller blocks are 64-byte aligned. Free with `free`.
enum LargeAllocation {
    static let hugePage = 2 << 20

    /// nil when the memory is not available.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer? {
        var p: UnsafeMutableRawPointer?
        let size = max(bytes, 64)
        if size >= hugePage {
            let rounded = (size + hugePage - 1) / hugePage * hugePage
            guard posix_memalign(&p, hugePage, rounded) == 0, let p else { return nil }
            #if os(Linux)
            _ = madvise(p, rounded, MADV_HUGEPAGE)
            #endif
            return p
        }
        guard posix_memalign(&p, 64, size) == 0, let p else { return nil }
        return p
    }
}
