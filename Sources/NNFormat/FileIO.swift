#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain POSIX file access with the checks the readers and writers need.
package enum FileIO {
    /// Reads a whole regular file, refusing it before allocating when it is larger than `maxBytes`.
    package static func read(path: String, maxBytes: Int) throws(FormatError) -> [UInt8] {
        // O_NONBLOCK so that a FIFO fails the regular-file check below instead of blocking in open.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { throw .fileNotFound(source: path) }
            throw .unreadable(source: path, reason: errorString(e))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .unreadable(source: path, reason: errorString(errno)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(source: path, reason: (st.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file")
        }
        let size = Int(st.st_size)
        if size > maxBytes { throw .limitExceeded(source: path, what: "file size", value: size, limit: maxBytes) }
        return try readRange(fd: fd, offset: 0, length: size, path: path)
    }

    /// Reads `length` bytes at `offset` of an open file descriptor.
    package static func readRange(fd: Int32, offset: Int, length: Int, path: String) throws(FormatError) -> [UInt8] {
        var failure: Int32 = 0
        var short = false
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            var done = 0
            while done < length {
                let n = pread(fd, buffer.baseAddress! + done, length - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { short = true; break }
                done += n
            }
            // Zero what was not read so the array is always fully initialized.
            if done < length { (buffer.baseAddress! + done).initialize(repeating: 0, count: length - done) }
            initialized = length
        }
        if failure != 0 { throw .unreadable(source: path, reason: errorString(failure)) }
        if short { throw .unreadable(source: path, reason: "file shrank while being read") }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed, then renamed.
    /// On any failure the destination is untouched and the temporary file is removed.
    package static func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String) throws(FormatError) {
        let dir = directory(of: path)
        var template = Array("\(dir)/.\(baseName(of: path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd < 0 { throw .writeFailed(destination: path, reason: errorString(errno)) }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw .writeFailed(destination: path, reason: errorString(e))
            }
            done += n
        }
        fchmod(fd, 0o644)
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            throw .writeFailed(destination: path, reason: errorString(e))
        }
        if close(fd) != 0 { throw .writeFailed(destination: path, reason: errorString(errno)) }
        if rename(tmp, path) != 0 { throw .writeFailed(destination: path, reason: errorString(errno)) }
        ok = true
    }

    /// Writes a byte array atomically.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FormatError) {
        try withBytes(bytes) { raw throws(FormatError) in try writeAtomically(raw, to: path) }
    }

    /// The directory part of a path (`.` when there is none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    package static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The canonical absolute path (symlinks resolved), or `nil` when it does not exist.
    package static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// `strerror` as a Swift string.
    package static func errorString(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

