/// The bytes a model is read from: an open regular file, read with `pread` where needed, or memory.
///
/// Reading tensor data through a source lets the reader copy each large tensor once, straight from
/// the file (or the caller's bytes) into the tensor's own storage.
enum ModelSource {
    /// An open file of `size` bytes (the size when it was opened; a file that shrinks later fails
    /// its reads with an error).
    case file(fd: Int32, size: Int, path: String)
    /// Bytes in memory, valid while the reader runs.
    case memory(UnsafeRawBufferPointer)

    var count: Int {
        switch self {
        case .file(_, let size, _): return size
        case .memory(let m): return m.count
        }
    }

    /// Copies `destination.count` bytes starting at `offset` into `destination`.
    /// The caller keeps `offset + destination.count <= count`.
    func copy(into destination: UnsafeMutableRawBufferPointer, at offset: Int) throws(FormatError) {
        guard destination.count > 0 else { return }
        switch self {
        case .file(let fd, _, let path):
            try FileIO.readFully(fd: fd, into: destination, at: offset, path: path)
        case .memory(let m):
            precondition(offset >= 0 && offset <= m.count && destination.count <= m.count - offset)
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: m[offset..<(offset + destination.count)]))
        }
    }

    /// All the bytes (for a file, read now).
    func withAllBytes<R>(source: String, _ body: (UnsafeRawBufferPointer) throws(FormatError) -> R) throws(FormatError) -> R {
        switch self {
        case .memory(let m): return try body(m)
        case .file(let fd, let size, let path):
            let bytes = try FileIO.readRange(fd: fd, offset: 0, length: size, path: path)
            return try withBytes(bytes, body)
        }
    }

    /// `count` elements of `T` read from `length` bytes at `offset` (the caller checks that
    /// `length` is `count` elements' worth), straight into the array's storage.
    func array<T: BitwiseCopyable>(of _: T.Type, count: Int, offset: Int, length: Int) throws(FormatError) -> [T] {
        precondition(length <= count * MemoryLayout<T>.stride)
        var failure: FormatError?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            do throws(FormatError) {
                try copy(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<length]), at: offset)
                if length < raw.count { UnsafeMutableRawBufferPointer(rebasing: raw[length...]).initializeMemory(as: UInt8.self, repeating: 0) }
            } catch {
                failure = error
                raw.initializeMemory(as: UInt8.self, repeating: 0)
            }
            initialized = count
        }
        if let failure { throw failure }
        return values
    }
}
