/// Assigns arena offsets to values from their lifetimes so values that are never alive at the
/// same time share memory.
///
/// Up to `greedyLimit` values: greedy by size (largest first), first fit among the values whose
/// lifetimes overlap — the tighter packing, quadratic in the value count. Beyond it (graphs of many
/// thousands of nodes, which only hostile or generated files have): a linear scan in step order
/// with a first-fit free list, near-linear, so session creation never stalls on a huge graph.
struct MemoryPlanner {
    struct Request {
        var id: Int
        var bytes: Int
        var first: Int  // step that writes it
        var last: Int   // last step that reads it
    }

    static let alignment = 64
    static let greedyLimit = 4096

    /// Returns offsets by request id and the arena size in bytes.
    static func plan(_ requests: [Request]) -> (offsets: [Int: Int], size: Int) {
        requests.count <= greedyLimit ? greedyBySize(requests) : linearScan(requests)
    }

    static func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }

    static func greedyBySize(_ requests: [Request]) -> (offsets: [Int: Int], size: Int) {
        let sorted = requests.sorted { ($0.bytes, $1.id) > ($1.bytes, $0.id) }
        var placed: [(offset: Int, end: Int, first: Int, last: Int)] = []
        var offsets: [Int: Int] = [:]
        var size = 0
        for r in sorted {
            let bytes = aligned(r.bytes)
            let overlapping = placed.filter { $0.first <= r.last && r.first <= $0.last }.sorted { $0.offset < $1.offset }
            var offset = 0
            for p in overlapping {
                if offset + bytes <= p.offset { break }
                offset = max(offset, p.end)
            }
            placed.append((offset, offset + bytes, r.first, r.last))
            offsets[r.id] = offset
            size = max(size, offset + bytes)
        }
        return (offsets, size)
    }

    static func linearScan(_ requests: [Request]) -> (offsets: [Int: Int], size: Int) {
        let sorted = requests.sorted { ($0.first, $0.id) < ($1.first, $1.id) }
        // Blocks in use, ordered by the step after which they are free (a value read at step s is
        // free for values written at s + 1 or later).
        var active: [(last: Int, offset: Int, bytes: Int)] = []
        var free: [(offset: Int, bytes: Int)] = []   // sorted by offset, adjacent blocks merged
        var offsets: [Int: Int] = [:]
        offsets.reserveCapacity(requests.count)
        var size = 0
        func release(_ block: (offset: Int, bytes: Int)) {
            var i = free.firstIndex { $0.offset > block.offset } ?? free.count
            free.insert(block, at: i)
            if i + 1 < free.count, free[i].offset + free[i].bytes == free[i + 1].offset {
                free[i].bytes += free[i + 1].bytes
                free.remove(at: i + 1)
            }
            if i > 0, free[i - 1].offset + free[i - 1].bytes == free[i].offset {
                free[i - 1].bytes += free[i].bytes
                free.remove(at: i)
                i -= 1
            }
        }
        for r in sorted {
            // Free what died before this value is written.
            active.sort { $0.last > $1.last }
            while let a = active.last, a.last < r.first {
                active.removeLast()
                release((a.offset, a.bytes))
            }
            let bytes = aligned(r.bytes)
            let offset: Int
            if let i = free.firstIndex(where: { $0.bytes >= bytes }) {
                offset = free[i].offset
                if free[i].bytes == bytes { free.remove(at: i) } else { free[i] = (offset + bytes, free[i].bytes - bytes) }
            } else if let lastFree = free.last, lastFree.offset + lastFree.bytes == size {
                // Grow the arena from the free block at its end.
                offset = lastFree.offset
                free.removeLast()
                size = offset + bytes
            } else {
                offset = size
                size += bytes
            }
            active.append((r.last, offset, bytes))
            offsets[r.id] = offset
        }
        return (offsets, size)
    }
}
