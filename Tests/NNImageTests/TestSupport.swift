import CImageCodecs
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import NNImage

/// Fixture builders shared by the NNImage tests. Every fixture is generated at run time with
/// our own encoders (or by hand, byte by byte, for hostile headers).
enum Fixtures {
    /// A deterministic, non-smooth test pattern (the same formula produced the Pillow goldens).
    static func pattern(width: Int, height: Int, channels: Int) -> Image {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    pixels.append(UInt8((x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 7) & 255))
                }
            }
        }
        return Image(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// A smooth gradient that JPEG reproduces closely.
    static func gradient(width: Int, height: Int, channels: Int) -> Image {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    pixels.append(UInt8(30 + x * 120 / max(width - 1, 1) + y * 60 / max(height - 1, 1) + c * 20))
                }
            }
        }
        return Image(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// Bytes from a hex string (two digits a byte).
    static func hex(_ text: String) -> [UInt8] {
        var bytes = [UInt8]()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    /// Packs sample values into PNG rows: MSB-first for depths below 8, big-endian for 16.
    static func pngRows(_ samples: [Int], width: Int, height: Int, samplesPerPixel: Int, depth: Int) -> (rows: [UInt8], stride: Int) {
        let perRow = width * samplesPerPixel
        let stride = (perRow * depth + 7) / 8
        var rows = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            for i in 0..<perRow {
                let value = samples[y * perRow + i]
                switch depth {
                case 16:
                    rows[y * stride + 2 * i] = UInt8(value >> 8)
                    rows[y * stride + 2 * i + 1] = UInt8(value & 0xFF)
                case 8:
                    rows[y * stride + i] = UInt8(value)
                default:
                    let bit = i * depth
                    let shift = 8 - depth - bit % 8
                    rows[y * stride + bit / 8] |= UInt8(value << shift)
                }
            }
        }
        return (rows, stride)
    }

    /// Encodes with the shim's general PNG encoder.
    static func png(
        _ samples: [Int], width: Int, height: Int, colorType: Int32, depth: Int32, interlaced: Bool = false,
        palette: [UInt8] = [], paletteAlpha: [UInt8] = [], transparent: (UInt16, UInt16, UInt16)? = nil
    ) -> [UInt8] {
        let perPixel = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(colorType)] ?? 1
        let (rows, stride) = pngRows(samples, width: width, height: height, samplesPerPixel: perPixel, depth: Int(depth))
        var params = nnimg_png_encode_params()
        params.width = UInt32(width)
        params.height = UInt32(height)
        params.color_type = colorType
        params.bit_depth = depth
        params.interlaced = interlaced ? 1 : 0
        params.compression_level = -1
        if let transparent {
            params.has_transparent_color = 1
            params.transparent_gray_or_red = transparent.0
            params.transparent_green = transparent.1
            params.transparent_blue = transparent.2
        }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        let status = palette.withUnsafeBufferPointer { paletteBuffer in
            paletteAlpha.withUnsafeBufferPointer { alphaBuffer in
                rows.withUnsafeBufferPointer { rowBuffer in
                    params.palette = paletteBuffer.baseAddress
                    params.palette_entries = Int32(palette.count / 3)
                    params.palette_alpha = alphaBuffer.baseAddress
                    params.palette_alpha_count = Int32(paletteAlpha.count)
                    return nnimg_png_encode(&params, rowBuffer.baseAddress, stride, &output, &count, nil, 0)
                }
            }
        }
        defer { nnimg_free(output) }
        guard status == NNIMG_OK, let output else { return [] }
        return Array(UnsafeBufferPointer(start: output, count: count))
    }

    /// Encodes with the shim's JPEG encoder (channels 4 = CMYK, which we must refuse to decode).
    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95, progressive: Bool = false) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        let status = pixels.withUnsafeBufferPointer {
            nnimg_jpeg_encode(
                $0.baseAddress, UInt32(width), UInt32(height), Int32(channels), Int32(quality),
                progressive ? 1 : 0, &output, &count, nil, 0)
        }
        defer { nnimg_free(output) }
        guard status == NNIMG_OK, let output else { return [] }
        return Array(UnsafeBufferPointer(start: output, count: count))
    }

    /// CRC-32 (ISO 3309 / PNG), bitwise.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// One PNG chunk with a correct CRC.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    /// A deterministic byte generator (64-bit LCG) for fuzz-style tests.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
    }

    /// A fresh empty directory under /tmp.
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/nnimage-tests-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { return "/tmp" }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes a directory made by temporaryDirectory() and the files in it (tests make no subdirectories).
    static func removeDirectory(_ directory: String) {
        for name in listing(directory) { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    /// Names in a directory (without . and ..).
    static func listing(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names = [String]()
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// The ImageError a decode threw, or nil if it succeeded or threw something else.
func decodeError(_ body: () throws -> Image) -> ImageError? {
    do {
        _ = try body()
        return nil
    } catch let error as ImageError {
        return error
    } catch {
        return nil
    }
}

extension ImageError {
    /// The case's name, for compact expectations.
    var kind: String {
        switch self {
        case .unreadable: return "unreadable"
        case .unwritable: return "unwritable"
        case .empty: return "empty"
        case .unknownFormat: return "unknownFormat"
        case .truncated: return "truncated"
        case .corrupt: return "corrupt"
        case .unsupported: return "unsupported"
        case .tooLarge: return "tooLarge"
        }
    }
}

/// Seconds `body` took.
func seconds(_ body: () -> Void) -> Double {
    let duration = ContinuousClock().measure(body)
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}
