/// Decodes PNG, JPEG and PNM images from files or memory, choosing the decoder by the
/// first bytes (never by the file name).
///
/// Every decoder reads the header first and refuses an image of more than `pixelLimit`
/// pixels with `ImageError.tooLarge` before allocating pixel memory. Errors are `ImageError`
/// values naming the file. All functions are safe to call from many threads at once: each
/// call has its own libpng/libjpeg state.
public enum ImageDecoder {
    /// The default limit on `width * height`: 100 megapixels (300 MB decoded as RGB).
    public static let defaultPixelLimit = 100_000_000

    /// Largest file `decode(contentsOf:)` reads: 1 GiB.
    public static let maximumFileSize = 1 << 30

    /// Reads and decodes the image file at `path`.
    ///
    /// - Parameters:
    ///   - path: A file path.
    ///   - pixelLimit: The most pixels (`width * height`) accepted.
    /// - Returns: The image, 8-bit gray or RGB, alpha dropped.
    /// - Throws: `ImageError`, with `path` set.
    public static func decode(contentsOf path: String, pixelLimit: Int = defaultPixelLimit) throws -> Image {
        do {
            let bytes = try FileIO.readAll(path: path, maxBytes: maximumFileSize)
            return try decodeTyped(bytes: bytes, pixelLimit: pixelLimit)
        } catch {
            throw error.attributed(to: path)
        }
    }

    /// Decodes an image held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The encoded file contents.
    ///   - pixelLimit: The most pixels (`width * height`) accepted.
    /// - Returns: The image, 8-bit gray or RGB, alpha dropped.
    /// - Throws: `ImageError` with no path.
    public static func decode(bytes: [UInt8], pixelLimit: Int = defaultPixelLimit) throws -> Image {
        try decodeTyped(bytes: bytes, pixelLimit: pixelLimit)
    }

    /// Reads only the header of the image file at `path`.
    ///
    /// - Throws: `ImageError`, with `path` set.
    public static func info(contentsOf path: String) throws -> ImageInfo {
        do {
            let bytes = try FileIO.readAll(path: path, maxBytes: maximumFileSize)
            return try infoTyped(bytes: bytes)
        } catch {
            throw error.attributed(to: path)
        }
    }

    /// Reads only the header of an image held in memory.
    ///
    /// - Throws: `ImageError` with no path.
    public static func info(bytes: [UInt8]) throws -> ImageInfo {
        try infoTyped(bytes: bytes)
    }

    static func decodeTyped(bytes: [UInt8], pixelLimit: Int) throws(ImageError) -> Image {
        switch try format(of: bytes) {
        case .png: return try NativeCodec.decode(bytes, kind: .png, pixelLimit: pixelLimit)
        case .jpeg: return try NativeCodec.decode(bytes, kind: .jpeg, pixelLimit: pixelLimit)
        case .pnm: return try PNMDecoder.decode(bytes, pixelLimit: pixelLimit)
        }
    }

    static func infoTyped(bytes: [UInt8]) throws(ImageError) -> ImageInfo {
        let format = try format(of: bytes)
        switch format {
        case .png, .jpeg:
            let raw = try NativeCodec.info(bytes, kind: format == .png ? .png : .jpeg, pixelLimit: Int.max)
            return ImageInfo(
                format: format, width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels),
                bitDepth: Int(raw.bit_depth), hasAlpha: raw.has_alpha != 0, isInterlaced: raw.interlaced != 0)
        case .pnm:
            let header = try PNMDecoder.header(bytes, pixelLimit: Int.max)
            return ImageInfo(
                format: .pnm, width: header.width, height: header.height, channels: header.channels,
                bitDepth: header.maxval < 256 ? 8 : 16, hasAlpha: false, isInterlaced: false)
        }
    }

    /// The format of `bytes`, or the error explaining why they are not an image we decode.
    static func format(of bytes: [UInt8]) throws(ImageError) -> ImageFormat {
        if bytes.isEmpty { throw .empty(path: nil) }
        if let format = ImageFormat.sniff(bytes) { return format }
        if let other = ImageFormat.otherFormatName(bytes) {
            throw .unsupported(path: nil, detail: "\(other) images are not supported (PNG, JPEG and PGM/PPM are)")
        }
        throw .unknownFormat(path: nil)
    }
}
