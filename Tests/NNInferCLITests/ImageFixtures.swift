import CImageCodecs
import Foundation
import NNImage
import Testing

/// Image files of every kind `classify` reads, and broken ones, written into a directory.
enum ImageFixtures {
    /// A deterministic pattern.
    static func pattern(width: Int, height: Int, channels: Int, seed: Int = 0) -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    pixels.append(UInt8((x * 37 + y * 91 + c * 53 + seed * 29 + ((x * y) % 17) * 7) & 255))
                }
            }
        }
        return pixels
    }

    static func image(width: Int, height: Int, channels: Int, seed: Int = 0) throws -> Image {
        try #require(Image(width: width, height: height, channels: channels, pixels: pattern(width: width, height: height, channels: channels, seed: seed)))
    }

    /// A PNG of any color type and depth through the codec shim's general encoder.
    static func png(width: Int, height: Int, colorType: Int32, depth: Int32, palette: [UInt8] = []) throws -> [UInt8] {
        let samplesPerPixel = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(colorType)] ?? 1
        let bytesPerSample = depth == 16 ? 2 : 1
        let stride = width * samplesPerPixel * bytesPerSample
        var rows = [UInt8](repeating: 0, count: stride * height)
        let values = pattern(width: width, height: height, channels: samplesPerPixel)
        for (i, v) in values.enumerated() {
            if depth == 16 {
                rows[2 * i] = v
                rows[2 * i + 1] = v ^ 0x5A
            } else {
                rows[i] = colorType == 3 ? v % UInt8(palette.count / 3) : v
            }
        }
        var params = nnimg_png_encode_params()
        params.width = UInt32(width)
        params.height = UInt32(height)
        params.color_type = colorType
        params.bit_depth = depth
        params.compression_level = -1
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        let status = palette.withUnsafeBufferPointer { paletteBuffer in
            rows.withUnsafeBufferPointer { rowBuffer in
                params.palette = paletteBuffer.baseAddress
                params.palette_entries = Int32(palette.count / 3)
                return nnimg_png_encode(&params, rowBuffer.baseAddress, stride, &output, &count, nil, 0)
            }
        }
        defer { nnimg_free(output) }
        let bytes = try #require(output, "PNG encoding failed with status \(status)")
        return Array(UnsafeBufferPointer(start: bytes, count: count))
    }

    /// A 4-channel (CMYK) JPEG, which the decoder must refuse.
    static func cmykJPEG(width: Int, height: Int) throws -> [UInt8] {
        let pixels = pattern(width: width, height: height, channels: 4)
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        _ = pixels.withUnsafeBufferPointer {
            nnimg_jpeg_encode($0.baseAddress, UInt32(width), UInt32(height), 4, 90, 0, &output, &count, nil, 0)
        }
        defer { nnimg_free(output) }
        let bytes = try #require(output, "CMYK JPEG encoding failed")
        return Array(UnsafeBufferPointer(start: bytes, count: count))
    }

    /// A PNG whose header declares 100000×100000 pixels.
    static func hugePNG() -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(UInt32(data.count)) + body + be32(crc32(body))
        }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let header: [UInt8] = be32(100_000) + be32(100_000) + [8, 2, 0, 0, 0]
        var bytes = signature
        bytes += chunk("IHDR", header)
        bytes += chunk("IDAT", [0x78, 0x9C, 0x03, 0x00])
        bytes += chunk("IEND", [])
        return bytes
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try ImageEncoder.write(bytes, toFile: path)
    }

    /// Every supported kind, named by what it is; returns the file names (sorted).
    @discardableResult
    static func writeGood(into directory: String) throws -> [String] {
        var palette: [UInt8] = []
        for i in 0..<16 {
            let red = UInt8(i * 16), green = UInt8(255 - i * 16), blue = UInt8((i * 40) & 255)
            palette += [red, green, blue]
        }
        let files: [(String, [UInt8])] = [
            ("png_gray.png", try ImageEncoder.png(try image(width: 20, height: 16, channels: 1))),
            ("png_rgb.png", try ImageEncoder.png(try image(width: 16, height: 20, channels: 3, seed: 1))),
            ("png_rgba.png", try png(width: 15, height: 13, colorType: 6, depth: 8)),
            ("png_gray_alpha.png", try png(width: 13, height: 15, colorType: 4, depth: 8)),
            ("png_palette.png", try png(width: 18, height: 18, colorType: 3, depth: 8, palette: palette)),
            ("png_16bit.png", try png(width: 24, height: 10, colorType: 2, depth: 16)),
            ("jpeg_baseline.jpg", try ImageEncoder.jpeg(try image(width: 32, height: 24, channels: 3, seed: 2))),
            ("jpeg_progressive.jpg", try ImageEncoder.jpeg(try image(width: 24, height: 32, channels: 3, seed: 3), progressive: true)),
            ("jpeg_gray.jpg", try ImageEncoder.jpeg(try image(width: 9, height: 9, channels: 1, seed: 4))),
            ("pnm_gray.pgm", ImageEncoder.pnm(try image(width: 12, height: 12, channels: 1, seed: 5))),
            ("pnm_color.ppm", ImageEncoder.pnm(try image(width: 40, height: 30, channels: 3, seed: 6))),
        ]
        for (name, bytes) in files { try write(bytes, directory + "/" + name) }
        return files.map(\.0).sorted()
    }

    /// Broken files: name → a word the error message must contain.
    static func writeBroken(into directory: String) throws -> [(name: String, reason: String)] {
        let png = try ImageEncoder.png(try image(width: 20, height: 20, channels: 3))
        let jpeg = try ImageEncoder.jpeg(try image(width: 32, height: 32, channels: 3))
        let files: [(String, [UInt8], String)] = [
            ("bad_truncated.png", Array(png.prefix(png.count / 2)), "truncated"),
            ("bad_truncated.jpg", Array(jpeg.prefix(jpeg.count / 2)), "truncated"),
            ("bad_magic.png", Array("this is not an image\n".utf8), "not an image"),
            ("bad_empty.jpg", [], "empty"),
            ("bad_huge.png", hugePNG(), "above the limit"),
            ("bad_cmyk.jpg", try cmykJPEG(width: 8, height: 8), "unsupported"),
        ]
        for (name, bytes, _) in files { try write(bytes, directory + "/" + name) }
        return files.map { ($0.0, $0.2) }
    }
}

/// Short forms for the encoded fixtures the tests use most.
enum ImageEncoderShim {
    static func pgm(_ width: Int, _ height: Int, seed: Int = 0) -> [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + ImageFixtures.pattern(width: width, height: height, channels: 1, seed: seed)
    }

    static func ppm(_ width: Int, _ height: Int, seed: Int = 0) -> [UInt8] {
        Array("P6\n\(width) \(height)\n255\n".utf8) + ImageFixtures.pattern(width: width, height: height, channels: 3, seed: seed)
    }

    static func png(_ width: Int, _ height: Int, seed: Int = 0) throws -> [UInt8] {
        try ImageEncoder.png(try ImageFixtures.image(width: width, height: height, channels: 3, seed: seed))
    }
}
