import Synchronization

/// A thread-safe map from (source buffer's stable key, geometry) to a derived buffer. Weights are
/// packed once per session, whatever the input shapes; the source need not stay alive.
final class PackCacheStore: Sendable {
    private struct Key: Hashable {
        var source: String
        var geometry: [Int64]
    }
    private let entries = Mutex<[Key: HostBuffer]>([:])

    func value(for source: HostBuffer, key geometry: [Int64],
               make: () throws(RuntimeError) -> HostBuffer) throws(RuntimeError) -> HostBuffer {
        try value(forSource: source.key, key: geometry, make: make)
    }

    /// The same, for a source named by its key (e.g. a buffer with a folded scale applied while packing).
    func value(forSource source: String, key geometry: [Int64],
               make: () throws(RuntimeError) -> HostBuffer) throws(RuntimeError) -> HostBuffer {
        let key = Key(source: source, geometry: geometry)
        if let hit = entries.withLock({ $0[key] }) { return hit }
        let derived = try make()
        return entries.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = derived
            return derived
        }
    }
}
