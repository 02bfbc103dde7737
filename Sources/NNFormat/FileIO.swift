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
        let file = try openRegular(path: path, maxBytes: maxBytes)
        defer { close(file.fd) }
        return try readRange(fd: file.fd, offset: 0, length: file.size, path: path)
    }

    /// Opens a regular file for reading and returns its descriptor (the caller closes it) and size,
    /// refusing it when it is larger than `maxBytes`.
    package static func openRegular(path: String, maxBytes: Int) throws(FormatError) -> (fd: Int32, size: Int) {
        // O_NONBLOCK so that a FIFO fails the regular-file check below instead of blocking in open.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { throw .fileNotFound(source: path) }
            throw .unreadable(source: path, reason: errorString(e))
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw .unreadable(source: path, reason: errorString(e))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .unreadable(source: path, reason: (st.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file")
        }
        let size = Int(st.st_size)
        if size > maxBytes {
            close(fd)
            throw .limitExceeded(source: path, what: "file size", value: size, limit: maxBytes)
        }
        return (fd, size)
    }

    /// Reads `length` bytes at `offset` of an open file descriptor.
    package static func readRange(fd: Int32, offset: Int, length: Int, path: String) throws(FormatError) -> [UInt8] {
        var failure: FormatError?
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            do throws(FormatError) {
                try readFully(fd: fd, into: UnsafeMutableRawBufferPointer(buffer), at: offset, path: path)
            } catch {
                failure = error
                // Zero the buffer so the array is always fully initialized.
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            }
            initialized = length
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `buffer` with the bytes at `offset` of an open file descriptor, failing when the file
    /// ends first (it shrank since its size was taken) or cannot be read.
    package static func readFully(fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws(FormatError) {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(source: path, reason: errorString(errno))
            }
            if n == 0 { throw .unreadable(source: path, reason: "file shrank while being read") }
            done += n
        }
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

