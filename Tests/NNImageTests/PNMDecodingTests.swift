import Testing

@testable import NNImage

@Suite("PNM decoding")
struct PNMDecodingTests {
    func bytes(_ header: String, _ raster: [UInt8] = []) -> [UInt8] { Array(header.utf8) + raster }

    @Test("binary PGM with comments in the header")
    func pgmWithComments() throws {
        let data = bytes("P5\n# made by a test\n3 # width\n2\n#maxval next\n255\n", [0, 1, 2, 253, 254, 255])
        let image = try ImageDecoder.decode(bytes: data)
        #expect(image == Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 253, 254, 255]))
    }

    @Test("binary PPM")
    func ppm() throws {
        let original = Fixtures.pattern(width: 5, height: 4, channels: 3)
        let data = bytes("P6 5 4 255\n", original.pixels)
        #expect(try ImageDecoder.decode(bytes: data) == original)
        #expect(try ImageDecoder.decode(bytes: ImageEncoder.pnm(original)) == original)
    }

    @Test("16-bit samples (maxval above 255) are big-endian and rescaled with rounding")
    func sixteenBit() throws {
        let values = [0, 128, 383, 32895, 40000, 65535]
        let raster = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let image = try ImageDecoder.decode(bytes: bytes("P5\n6 1\n65535\n", raster))
        #expect(image.pixels == values.map { UInt8(($0 * 255 + 32767) / 65535) })
        #expect(image.pixels == [0, 0, 1, 128, 156, 255])
        // maxval 1000 in a pixel map: round(v * 255 / 1000), as Pillow gives.
        let ppm = [0, 1, 2, 3, 500, 1000].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(try ImageDecoder.decode(bytes: bytes("P6 2 1 1000\n", ppm)).pixels == [0, 0, 1, 1, 128, 255])
        #expect(try ImageDecoder.info(bytes: bytes("P5\n6 1\n65535\n", raster)).bitDepth == 16)
    }

    @Test("small maxval is rescaled to 0…255 with rounding")
    func smallMaxval() throws {
        let image = try ImageDecoder.decode(bytes: bytes("P5 4 3 100\n", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]))
        #expect(image.pixels == [0, 3, 5, 8, 10, 13, 15, 18, 20, 23, 26, 255])  // Pillow's values
    }

    @Test("plain (ASCII) P2 and P3")
    func plain() throws {
        let gray = try ImageDecoder.decode(bytes: bytes("P2\n# c\n3 2\n15\n0 1 2\n# mid-raster comment\n13 14 15\n"))
        #expect(gray.pixels == [0, 17, 34, 221, 238, 255])
        let color = try ImageDecoder.decode(bytes: bytes("P3 2 1 255 1 2 3\n\t250 251 252"))
        #expect(color == Image(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 250, 251, 252]))
    }

    @Test("a short raster is truncated", arguments: ["P5 4 4 255\n", "P6 2 2 255\n", "P5 2 2 65535\n", "P2 2 2 255\n1 2 3"])
    func shortRaster(header: String) {
        let raster: [UInt8] = header.hasPrefix("P2") ? [] : [1, 2, 3]
        let error = decodeError { try ImageDecoder.decode(bytes: bytes(header, raster)) }
        #expect(error?.kind == "truncated", "\(String(describing: error))")
    }

    @Test("an incomplete header is truncated", arguments: ["P5\n", "P5 4", "P6 4 4", "P6 4 4 255", "P5 # only a comment"])
    func shortHeader(header: String) {
        let error = decodeError { try ImageDecoder.decode(bytes: bytes(header)) }
        #expect(error?.kind == "truncated", "\(String(describing: error))")
    }

    @Test("malformed headers and samples are corrupt", arguments: [
        "P5 0 4 255\n", "P5 4 x 255\n", "P5 2 1 0\n", "P5 2 1 70000\n", "P5 2 1 255x", "P5 99999999999 1 255\n",
        "P2 2 1 10\n5 11", "P2 2 1 10\n5 -1",
    ])
    func corrupt(header: String) {
        let error = decodeError { try ImageDecoder.decode(bytes: bytes(header, [0, 0, 0, 0])) }
        #expect(error?.kind == "corrupt", "\(header): \(String(describing: error))")
    }

    @Test("a sample above maxval is corrupt")
    func sampleAboveMaxval() {
        let error = decodeError { try ImageDecoder.decode(bytes: bytes("P5 2 1 100\n", [50, 101])) }
        #expect(error?.kind == "corrupt")
    }

    @Test("a header declaring 100000×100000 is refused at once", arguments: ["P5", "P6", "P2"])
    func huge(magic: String) {
        var error: ImageError? = nil
        let elapsed = seconds { error = decodeError { try ImageDecoder.decode(bytes: bytes("\(magic)\n100000 100000\n255\n", [1, 2, 3])) } }
        #expect(error == .tooLarge(path: nil, width: 100000, height: 100000, limit: ImageDecoder.defaultPixelLimit))
        #expect(elapsed < 0.5)
    }

    @Test("trailing data after the raster is ignored")
    func trailing() throws {
        let image = try ImageDecoder.decode(bytes: bytes("P5 2 1 255\n", [7, 8, 9, 9, 9]))
        #expect(image.pixels == [7, 8])
    }
}
