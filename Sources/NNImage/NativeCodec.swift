import CImageCodecs

/// Calls into the C shim (libpng / libjpeg) and turns its status codes into `ImageError`.
enum NativeCodec {
    /// Which decoder of the shim to call.
    enum Kind {
        case png
        case jpeg
    }

    /// Capacity of the error-message buffers handed to the shim.
    static let messageCapacity = 256

    /// Parses the header only, refusing images above `pixelLimit` pixels.
    static func info(_ bytes: [UInt8], kind: Kind, pixelLimit: Int) throws(ImageError) -> nnimg_info {
        var info = nnimg_info()
        var message = [CChar](repeating: 0, count: messageCapacity)
        let limit = UInt64(max(pixelLimit, 0))
        let status = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { text in
                switch kind {
                case .png:
                    nnimg_png_read_info(data.baseAddress, data.count, limit, &info, text.baseAddress, text.count)
                case .jpeg:
                    nnimg_jpeg_read_info(data.baseAddress, data.count, limit, &info, text.baseAddress, text.count)
                }
            }
        }
        try check(status, message: message, info: info, pixelLimit: pixelLimit)
        return info
    }

    /// Decodes the whole image: header first, then pixels into a buffer of exactly the
    /// announced size, allocated only once the header has passed the pixel limit.
    static func decode(_ bytes: [UInt8], kind: Kind, pixelLimit: Int) throws(ImageError) -> Image {
        let header = try info(bytes, kind: kind, pixelLimit: pixelLimit)
        let width = Int(header.width), height = Int(header.height), channels = Int(header.channels)
        guard width > 0, height > 0, channels == 1 || channels == 3 else {
            throw .corrupt(path: nil, detail: "decoder reported \(width)×\(height)×\(channels)")
        }
        let count = width * height * channels
        var info = nnimg_info()
        var message = [CChar](repeating: 0, count: messageCapacity)
        var status = Int32(NNIMG_OK)
        let limit = UInt64(max(pixelLimit, 0))
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            status = bytes.withUnsafeBufferPointer { data in
                message.withUnsafeMutableBufferPointer { text in
                    switch kind {
                    case .png:
                        nnimg_png_decode(
                            data.baseAddress, data.count, limit, out.baseAddress, count, &info,
                            text.baseAddress, text.count)
                    case .jpeg:
                        nnimg_jpeg_decode(
                            data.baseAddress, data.count, limit, out.baseAddress, count, &info,
                            text.baseAddress, text.count)
                    }
                }
            }
            initialized = status == NNIMG_OK ? count : 0
        }
        try check(status, message: message, info: info, pixelLimit: pixelLimit)
        return Image(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// Throws the `ImageError` for a shim status; returns for `NNIMG_OK`.
    static func check(_ status: Int32, message: [CChar], info: nnimg_info, pixelLimit: Int) throws(ImageError) {
        let detail = text(message)
        switch status {
        case NNIMG_OK: return
        case NNIMG_E_TRUNCATED: throw .truncated(path: nil, detail: detail)
        case NNIMG_E_CORRUPT: throw .corrupt(path: nil, detail: detail)
        case NNIMG_E_UNSUPPORTED: throw .unsupported(path: nil, detail: detail)
        case NNIMG_E_NOMEM: throw .unsupported(path: nil, detail: "out of memory: \(detail)")
        case NNIMG_E_TOO_LARGE:
            throw .tooLarge(path: nil, width: Int(info.width), height: Int(info.height), limit: pixelLimit)
        case NNIMG_E_NOT_FORMAT: throw .unknownFormat(path: nil)
        default: throw .unsupported(path: nil, detail: "internal decoder error: \(detail)")
        }
    }

    /// Encoded bytes handed back by a shim encoder; frees the C buffer.
    static func takeOutput(
        status: Int32, buffer: UnsafeMutablePointer<UInt8>?, count: Int, message: [CChar]
    ) throws(ImageError) -> [UInt8] {
        defer { nnimg_free(buffer) }
        guard status == NNIMG_OK, let buffer else {
            throw .unsupported(path: nil, detail: "cannot encode: \(text(message))")
        }
        return Array(UnsafeBufferPointer(start: buffer, count: count))
    }

    /// The NUL-terminated text in a message buffer.
    static func text(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
