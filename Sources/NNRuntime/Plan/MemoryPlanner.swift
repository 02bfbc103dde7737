/// Assigns arena offsets to values from their lifetimes so values that are never alive at the
/// same time share memory. Greedy by size (largest first), first fit among overlapping lifetimes.
struct MemoryPlanner {
    struct Request {
        var id: Int
        var bytes: Int
        var first: Int  // step that writes it
        var last: Int   // last step that reads it
    }

    static let alignment = 64

    /// Returns offsets by request id and the arena size in bytes.
    static func plan(_ requests: [Request]) -> (offsets: [Int: Int], size: Int) {
        let sorted = requests.sorted { ($0.bytes, $1.id) > ($1.bytes, $0.id) }
        var placed: [(offset: Int, end: Int, first: Int, last: Int)] = []
        var offsets: [Int: Int] = [:]
        var size = 0
        for r in sorted {
            let bytes = (r.bytes + alignment - 1) / alignment * alignment
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
}
