import CZlib

/// Gzip decompression through zlib, for `.gz` dataset files.
enum Gzip {
    /// Whether `bytes` start with the gzip magic number.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a whole gzip stream (concatenated members too); a corrupt or truncated stream is an error.
    static func decompress(_ input: [UInt8], source: String, limit: Int = 1 << 31) throws(TrainError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .invalidData(source: source, detail: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var status: Int32 = Z_OK
        var consumed = 0
        while true {
            status = input.withUnsafeBufferPointer { inBuf -> Int32 in
                chunk.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress.map { $0 + consumed })
                    stream.avail_in = UInt32(input.count - consumed)
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    let r = inflate(&stream, Z_NO_FLUSH)
                    consumed = input.count - Int(stream.avail_in)
                    return r
                }
            }
            let produced = chunk.count - Int(stream.avail_out)
            output.append(contentsOf: chunk[0..<produced])
            guard output.count <= limit else { throw .invalidData(source: source, detail: "decompresses to more than \(limit) bytes") }
            if status == Z_STREAM_END {
                // Another gzip member may follow (as `cat a.gz b.gz` makes).
                guard consumed < input.count, input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else { break }
                inflateReset(&stream)
                continue
            }
            guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
                let detail = status == Z_BUF_ERROR ? "the gzip stream is truncated" : "corrupt gzip data (zlib status \(status))"
                throw .invalidData(source: source, detail: detail)
            }
        }
        return output
    }
}
