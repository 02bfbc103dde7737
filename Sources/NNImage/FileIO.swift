#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-file reads and atomic writes through POSIX calls, with errors as `ImageError`.
enum FileIO {
    /// Reads the whole file, refusing directories and files above `maxBytes`.
    static func readAll(path: String, maxBytes: Int) throws(ImageError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: errnoText()) }
        if info.st_mode & 0o170000 == 0o040000 {
            throw .unreadable(path: path, reason: "it is a directory")
        }
        let declared = Int(info.st_size)
        if declared > maxBytes {
            throw .unreadable(path: path, reason: "file is \(declared) bytes, above the limit of \(maxBytes)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(declared, 0))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: errnoText())
            }
            if got == 0 { break }
            if bytes.count + got > maxBytes {
                throw .unreadable(path: path, reason: "file is larger than the limit of \(maxBytes) bytes")
            }
            bytes.append(contentsOf: chunk[0..<got])
        }
        return bytes
    }

    /// Reads at most `count` bytes from the start of the file.
    static func readPrefix(path: String, count: Int) throws(ImageError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { _ = close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress.map { $0 + filled }, count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: errnoText())
            }
            if got == 0 { break }
            filled += got
        }
        return Array(bytes[0..<filled])
    }

    /// Writes `bytes` to a temporary file in the destination's directory, flushes it to disk,
    /// then renames it over `path`, so readers never see a half-written file.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw .unwritable(path: path, reason: "the path names a directory") }
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else { throw .unwritable(path: path, reason: errnoText()) }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure: String? = nil
        _ = fchmod(fd, 0o644)
        var written = 0
        while written < bytes.count, failure == nil {
            let count = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if count < 0 {
                if errno != EINTR { failure = errnoText() }
            } else {
                written += count
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = errnoText() }
        if close(fd) != 0, failure == nil { failure = errnoText() }
        if failure == nil, rename(temporary, path) != 0 { failure = errnoText() }
        if let failure {
            _ = unlink(temporary)
            throw .unwritable(path: path, reason: failure)
        }
    }

    private static func openForReading(_ path: String) throws(ImageError) -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .unreadable(path: path, reason: errnoText()) }
        }
    }

    private static func errnoText() -> String {
        guard let text = strerror(errno) else { return "error \(errno)" }
        return String(cString: text)
    }
}
