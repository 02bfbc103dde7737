import Testing

@testable import NNImage

@Suite("hostile input")
struct HostileInputTests {
    static let smallPNG: [UInt8] = Fixtures.png(
        Fixtures.pattern(width: 9, height: 7, channels: 3).pixels.map(Int.init), width: 9, height: 7, colorType: 2, depth: 8)

    @Test("zero bytes are an empty file, in memory and on disk")
    func empty() throws {
        #expect(decodeError { try ImageDecoder.decode(bytes: []) } == .empty(path: nil))
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.removeDirectory(directory) }
        let path = directory + "/empty.png"
        try ImageEncoder.write([UInt8](), toFile: path)
        let error = decodeError { try ImageDecoder.decode(contentsOf: path) }
        #expect(error == .empty(path: path))
        #expect(error?.description.contains(path) == true)
    }

    @Test("bytes of no known format are unknownFormat; known foreign formats are unsupported")
    func wrongMagic() {
        #expect(decodeError { try ImageDecoder.decode(bytes: Array("hello, world\n".utf8)) } == .unknownFormat(path: nil))
        #expect(decodeError { try ImageDecoder.decode(bytes: Array(Self.smallPNG.prefix(7))) } == .unknownFormat(path: nil))
        let gif = decodeError { try ImageDecoder.decode(bytes: Array("GIF89a\u{1}\0\u{1}\0\0\0\0".utf8)) }
        #expect(gif?.kind == "unsupported")
        #expect(gif?.description.contains("GIF") == true)
        #expect(decodeError { try ImageDecoder.decode(bytes: Array("P4\n1 1\n\0".utf8)) }?.kind == "unsupported")
    }

    @Test("a PNG cut anywhere after its signature is truncated")
    func truncatedPNG() {
        let bytes = Self.smallPNG
        for length in 8..<bytes.count {
            let error = decodeError { try ImageDecoder.decode(bytes: Array(bytes[0..<length])) }
            #expect(error?.kind == "truncated", "cut at \(length) of \(bytes.count): \(String(describing: error))")
        }
    }

    @Test("a PNG declaring 100000×100000 is refused quickly, before allocation")
    func hugePNG() throws {
        var ihdr = Fixtures.be32(100_000) + Fixtures.be32(100_000)
        ihdr += [8, 2, 0, 0, 0]
        let row = [UInt8](repeating: 0, count: 1 + 3 * 100_000)
        // A little real image data (one zlib-stored row would do; an empty IDAT is enough to parse).
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + Fixtures.pngChunk("IHDR", ihdr) + Fixtures.pngChunk("IDAT", Array(row.prefix(16)))
            + Fixtures.pngChunk("IEND", [])
        var error: ImageError? = nil
        let elapsed = seconds { error = decodeError { try ImageDecoder.decode(bytes: bytes) } }
        #expect(error == .tooLarge(path: nil, width: 100_000, height: 100_000, limit: ImageDecoder.defaultPixelLimit))
        #expect(elapsed < 0.5)
        // A custom limit is honoured too.
        let small = decodeError { try ImageDecoder.decode(bytes: Self.smallPNG, pixelLimit: 62) }
        #expect(small == .tooLarge(path: nil, width: 9, height: 7, limit: 62))
        #expect(try ImageDecoder.decode(bytes: Self.smallPNG, pixelLimit: 63).width == 9)
    }

    @Test("a PNG with a corrupted CRC in a critical chunk is corrupt")
    func badCRC() {
        var bytes = Self.smallPNG
        bytes[8 + 8 + 13] ^= 0xFF  // IHDR's CRC
        #expect(decodeError { try ImageDecoder.decode(bytes: bytes) }?.kind == "corrupt")
    }

    @Test("random bytes after a valid magic fail with a specific error",
          arguments: [[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], [0xFF, 0xD8, 0xFF], Array("P6\n".utf8), Array("P5 ".utf8), Array("P3\n".utf8)] as [[UInt8]])
    func randomAfterMagic(magic: [UInt8]) {
        var random = Fixtures.Random(state: UInt64(magic.count) * 7919)
        for trial in 0..<60 {
            let bytes = magic + random.bytes(16 + trial * 23)
            let error = decodeError { try ImageDecoder.decode(bytes: bytes) }
            #expect(error?.kind == "corrupt" || error?.kind == "truncated" || error?.kind == "tooLarge",
                    "trial \(trial): \(String(describing: error))")
        }
    }

    @Test("byte flips in valid files never crash", arguments: [ImageFormat.png, .jpeg, .pnm])
    func mutations(format: ImageFormat) throws {
        let image = Fixtures.pattern(width: 12, height: 10, channels: 3)
        let original: [UInt8]
        switch format {
        case .png: original = try ImageEncoder.png(image)
        case .jpeg: original = try ImageEncoder.jpeg(image, quality: 80, progressive: true)
        case .pnm: original = ImageEncoder.pnm(image)
        }
        var random = Fixtures.Random(state: 42)
        for _ in 0..<300 {
            var bytes = original
            let flips = 1 + Int(random.next() % 4)
            for _ in 0..<flips {
                let index = (Int(random.next()) << 8 | Int(random.next())) % bytes.count
                bytes[index] = random.next()
            }
            // Either a clean error or an image of a sane size: never a crash or a hang.
            if let decoded = try? ImageDecoder.decode(bytes: bytes, pixelLimit: 1 << 20) {
                #expect(decoded.pixels.count == decoded.width * decoded.height * decoded.channels)
            }
        }
    }

    @Test("unreadable paths name the file")
    func unreadable() {
        let missing = "/nonexistent/dir/photo.png"
        let error = decodeError { try ImageDecoder.decode(contentsOf: missing) }
        #expect(error?.kind == "unreadable")
        #expect(error?.path == missing)
        #expect(error?.description.hasPrefix(missing) == true)
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.removeDirectory(directory) }
        #expect(decodeError { try ImageDecoder.decode(contentsOf: directory) }?.kind == "unreadable")
    }

    @Test("errors from a file carry its path")
    func pathAttached() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.removeDirectory(directory) }
        let path = directory + "/cut.png"
        try ImageEncoder.write(Array(Self.smallPNG.prefix(60)), toFile: path)
        let error = decodeError { try ImageDecoder.decode(contentsOf: path) }
        #expect(error?.kind == "truncated")
        #expect(error?.path == path)
        #expect(error?.description.hasPrefix("\(path): truncated image") == true)
    }
}
