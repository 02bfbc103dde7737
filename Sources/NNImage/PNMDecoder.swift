/// Our own reader for Netpbm gray and pixel maps: binary P5/P6 and plain (ASCII) P2/P3.
///
/// Follows the Netpbm format descriptions: a header of magic, width, height and maxval
/// separated by whitespace, with `#` comments running to the end of a line; binary rasters
/// start after exactly one whitespace byte following maxval and use one byte per sample for
/// maxval < 256, else two bytes, most significant first. Samples are rescaled to 0…255 as
/// `round(v * 255 / maxval)`. A raster shorter than the header promises is "truncated"; bytes
/// after it (a second image, say) are ignored.
struct PNMDecoder {
    /// The parsed header of a PNM file.
    struct Header {
        /// 1 for gray maps (P2/P5), 3 for pixel maps (P3/P6).
        var channels: Int
        /// Whether the raster is binary (P5/P6) rather than plain text (P2/P3).
        var binary: Bool
        /// Width in pixels.
        var width: Int
        /// Height in pixels.
        var height: Int
        /// The largest sample value, 1 … 65535.
        var maxval: Int
        /// Offset of the first raster byte.
        var rasterOffset: Int
    }

    /// Largest number accepted in a header; larger sizes are corrupt, not merely large.
    static let largestHeaderNumber = Int(Int32.max)

    /// Whether `byte` is PNM whitespace (space, tab, CR, LF, vertical tab, form feed).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    private let bytes: [UInt8]
    private var position = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses the header, refusing images above `pixelLimit` pixels.
    static func header(_ bytes: [UInt8], pixelLimit: Int) throws(ImageError) -> Header {
        var reader = PNMDecoder(bytes: bytes)
        return try reader.readHeader(pixelLimit: pixelLimit)
    }

    /// Decodes the whole image.
    static func decode(_ bytes: [UInt8], pixelLimit: Int) throws(ImageError) -> Image {
        var reader = PNMDecoder(bytes: bytes)
        let header = try reader.readHeader(pixelLimit: pixelLimit)
        let pixels = header.binary ? try reader.binaryRaster(header) : try reader.plainRaster(header)
        return Image(validatedWidth: header.width, height: header.height, channels: header.channels, pixels: pixels)
    }

    private mutating func readHeader(pixelLimit: Int) throws(ImageError) -> Header {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else { throw .unknownFormat(path: nil) }
        let channels: Int, binary: Bool
        switch bytes[1] {
        case UInt8(ascii: "2"): (channels, binary) = (1, false)
        case UInt8(ascii: "3"): (channels, binary) = (3, false)
        case UInt8(ascii: "5"): (channels, binary) = (1, true)
        case UInt8(ascii: "6"): (channels, binary) = (3, true)
        default: throw .unknownFormat(path: nil)
        }
        position = 2
        let width = try number("width")
        let height = try number("height")
        guard width > 0, height > 0 else {
            throw .corrupt(path: nil, detail: "PNM declares a size of \(width)×\(height)")
        }
        if width.multipliedReportingOverflow(by: height).partialValue > pixelLimit
            || width > pixelLimit || height > pixelLimit
        {
            throw .tooLarge(path: nil, width: width, height: height, limit: pixelLimit)
        }
        let maxval = try number("maxval")
        guard maxval >= 1, maxval <= 65535 else {
            throw .corrupt(path: nil, detail: "PNM maxval \(maxval) is outside 1 … 65535")
        }
        // Exactly one whitespace byte separates maxval from the raster.
        guard position < bytes.count else { throw .truncated(path: nil, detail: "PNM header is incomplete") }
        guard Self.isWhitespace(bytes[position]) else {
            throw .corrupt(path: nil, detail: "PNM maxval is not followed by whitespace")
        }
        position += 1
        return Header(
            channels: channels, binary: binary, width: width, height: height, maxval: maxval,
            rasterOffset: position)
    }

    /// Skips whitespace and comments, then reads an unsigned decimal number.
    private mutating func number(_ what: String) throws(ImageError) -> Int {
        skipWhitespaceAndComments()
        guard position < bytes.count else {
            throw .truncated(path: nil, detail: "PNM data ends before its \(what)")
        }
        guard let first = digit(bytes[position]) else {
            throw .corrupt(path: nil, detail: "PNM \(what) is not a number")
        }
        var value = first
        position += 1
        while position < bytes.count, let next = digit(bytes[position]) {
            value = value * 10 + next
            guard value <= Self.largestHeaderNumber else {
                throw .corrupt(path: nil, detail: "PNM \(what) is too large a number")
            }
            position += 1
        }
        return value
    }

    private mutating func skipWhitespaceAndComments() {
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isWhitespace(byte) {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D {
                    position += 1
                }
            } else {
                return
            }
        }
    }

    private func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// A lookup from sample value to 0…255 (maxval + 1 entries).
    private static func scaleTable(maxval: Int) -> [UInt8] {
        (0...maxval).map { UInt8((($0 * 255) + maxval / 2) / maxval) }
    }

    private func binaryRaster(_ header: Header) throws(ImageError) -> [UInt8] {
        let count = header.width * header.height * header.channels
        let bytesPerSample = header.maxval < 256 ? 1 : 2
        let available = bytes.count - header.rasterOffset
        guard available / bytesPerSample >= count else {
            throw .truncated(
                path: nil,
                detail: "PNM raster has \(available) bytes, the header promises \(count * bytesPerSample)")
        }
        let table = Self.scaleTable(maxval: header.maxval)
        var tooBig = false
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBufferPointer { data in
                let base = header.rasterOffset
                for i in 0..<count {
                    let value = bytesPerSample == 1
                        ? Int(data[base + i])
                        : Int(data[base + 2 * i]) << 8 | Int(data[base + 2 * i + 1])
                    if value > header.maxval {
                        tooBig = true
                        out[i] = 255
                    } else {
                        out[i] = table[value]
                    }
                }
            }
            initialized = count
        }
        if tooBig { throw .corrupt(path: nil, detail: "PNM sample exceeds maxval \(header.maxval)") }
        return pixels
    }

    private mutating func plainRaster(_ header: Header) throws(ImageError) -> [UInt8] {
        let count = header.width * header.height * header.channels
        // Each plain sample takes at least two bytes (a digit and a separator, bar the last).
        guard (bytes.count - position) / 2 + 1 >= count else {
            throw .truncated(path: nil, detail: "PNM plain raster is shorter than \(count) samples")
        }
        let table = Self.scaleTable(maxval: header.maxval)
        var pixels = [UInt8]()
        pixels.reserveCapacity(count)
        for _ in 0..<count {
            let value = try number("sample")
            guard value <= header.maxval else {
                throw .corrupt(path: nil, detail: "PNM sample \(value) exceeds maxval \(header.maxval)")
            }
            pixels.append(table[value])
        }
        return pixels
    }
}
