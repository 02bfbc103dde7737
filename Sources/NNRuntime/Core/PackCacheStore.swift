import Synchronization

/// A thread-safe map from (source buffer, geometry) to a derived buffer, keeping the source alive
/// so its identity stays unique. Weights are packed once per session, whatever the input shapes.
final class PackCacheStore: Sendable {
    private struct Key: Hashable {
        var buffer: ObjectIdentifier
        var geometry: [Int64]
    }
    private let entries = Mutex<[Key: (source: HostBuffer, derived: HostBuffer)]>([:])

    func value(for source: HostBuffer, key geometry: [Int64], make: () -> HostBuffer) -> HostBuffer {
        let key = Key(buffer: ObjectIdentifier(source), geometry: geometry)
        if let hit = entries.withLock({ $0[key] }) { return hit.derived }
        let derived = make()
        entries.withLock { $0[key] = (source, derived) }
        return derived
    }
}
