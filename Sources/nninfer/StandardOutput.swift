#if canImport(Glibc)
import Glibc
#endif

/// Buffered writes to standard output (file descriptor 1). Results go here and nowhere else.
final class StandardOutput {
    private var buffer: [UInt8] = []
    /// Set when the reader went away (a closed pipe); later writes are dropped.
    private(set) var broken = false

    init() {
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    /// Appends text; flushes when 64 KiB have collected.
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes everything collected so far.
    func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !broken else { return }
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(1, raw.baseAddress.map { $0 + written }, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                broken = true
                return
            }
            written += n
        }
    }
}
