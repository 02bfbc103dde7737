import CImageCodecs

/// Encodes images as PNG, JPEG or PNM bytes and writes files atomically.
public enum ImageEncoder {
    /// Encodes the image as an 8-bit gray or RGB PNG (lossless).
    ///
    /// - Throws: `ImageError.unsupported` if libpng refuses (out of memory).
    public static func png(_ image: Image) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        var message = [CChar](repeating: 0, count: NativeCodec.messageCapacity)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            message.withUnsafeMutableBufferPointer { text in
                nnimg_png_encode8(
                    pixels.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                    &output, &count, text.baseAddress, text.count)
            }
        }
        return try NativeCodec.takeOutput(status: status, buffer: output, count: count, message: message)
    }

    /// Encodes the image as a JPEG (gray or YCbCr color, 4:2:0 for color).
    ///
    /// - Parameters:
    ///   - quality: libjpeg quality, 1 … 100.
    ///   - progressive: Whether to write a progressive file instead of a baseline one.
    /// - Throws: `ImageError.unsupported` for a quality outside 1 … 100 or a side above 65500.
    public static func jpeg(_ image: Image, quality: Int = 90, progressive: Bool = false) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw ImageError.unsupported(path: nil, detail: "JPEG quality \(quality) is outside 1 … 100")
        }
        guard image.width <= 65500, image.height <= 65500 else {
            throw ImageError.unsupported(
                path: nil, detail: "JPEG cannot store \(image.width)×\(image.height) pixels (65500 at most)")
        }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        var message = [CChar](repeating: 0, count: NativeCodec.messageCapacity)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            message.withUnsafeMutableBufferPointer { text in
                nnimg_jpeg_encode(
                    pixels.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                    Int32(quality), progressive ? 1 : 0, &output, &count, text.baseAddress, text.count)
            }
        }
        return try NativeCodec.takeOutput(status: status, buffer: output, count: count, message: message)
    }

    /// Encodes the image as a binary PGM (P5, gray) or PPM (P6, RGB) with maxval 255.
    public static func pnm(_ image: Image) -> [UInt8] {
        let magic = image.channels == 1 ? "P5" : "P6"
        var bytes = Array("\(magic)\n\(image.width) \(image.height)\n255\n".utf8)
        bytes.append(contentsOf: image.pixels)
        return bytes
    }

    /// Encodes the image in `format` (JPEG at `quality`, baseline).
    public static func encode(_ image: Image, as format: ImageFormat, quality: Int = 90) throws -> [UInt8] {
        switch format {
        case .png: return try png(image)
        case .jpeg: return try jpeg(image, quality: quality)
        case .pnm: return pnm(image)
        }
    }

    /// Writes `bytes` to `path` atomically: into a temporary file in the same directory,
    /// flushed to disk, then renamed over `path`.
    ///
    /// - Throws: `ImageError.unwritable`.
    public static func write(_ bytes: [UInt8], toFile path: String) throws {
        try FileIO.writeAtomically(bytes, to: path)
    }

    /// Encodes the image in `format` and writes it to `path` atomically.
    ///
    /// - Throws: `ImageError.unwritable`, or `ImageError.unsupported` if encoding fails.
    public static func write(_ image: Image, toFile path: String, as format: ImageFormat, quality: Int = 90) throws {
        let bytes: [UInt8]
        do {
            bytes = try encode(image, as: format, quality: quality)
        } catch let error as ImageError {
            throw error.attributed(to: path)
        }
        try FileIO.writeAtomically(bytes, to: path)
    }
}
