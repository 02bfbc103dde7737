import Testing

@testable import NNImage

/// One PNG flavour: color type, bit depth, interlacing, transparency.
struct PNGCase: CustomTestStringConvertible, Sendable {
    var colorType: Int32
    var depth: Int32
    var interlaced: Bool = false
    var paletteAlpha = false
    var transparentColor = false

    var testDescription: String {
        "type \(colorType), \(depth)-bit\(interlaced ? ", interlaced" : "")\(paletteAlpha ? ", tRNS" : "")\(transparentColor ? ", tRNS color" : "")"
    }

    static let all: [PNGCase] = {
        var cases = [PNGCase]()
        for depth: Int32 in [1, 2, 4, 8, 16] { cases.append(PNGCase(colorType: 0, depth: depth)) }
        for type: Int32 in [2, 4, 6] {
            for depth: Int32 in [8, 16] { cases.append(PNGCase(colorType: type, depth: depth)) }
        }
        for depth: Int32 in [1, 2, 4, 8] {
            cases.append(PNGCase(colorType: 3, depth: depth))
            cases.append(PNGCase(colorType: 3, depth: depth, paletteAlpha: true))
        }
        cases.append(PNGCase(colorType: 0, depth: 8, transparentColor: true))
        cases.append(PNGCase(colorType: 2, depth: 16, transparentColor: true))
        // Interlaced versions of a representative set.
        for base in [PNGCase(colorType: 0, depth: 2), PNGCase(colorType: 2, depth: 8), PNGCase(colorType: 3, depth: 4, paletteAlpha: true),
                     PNGCase(colorType: 4, depth: 16), PNGCase(colorType: 6, depth: 8), PNGCase(colorType: 0, depth: 16)] {
            var interlaced = base
            interlaced.interlaced = true
            cases.append(interlaced)
        }
        return cases
    }()
}

@Suite("PNG decoding")
struct PNGDecodingTests {
    /// Odd sizes so that rows do not fill whole bytes and Adam7 passes are uneven.
    static let width = 13, height = 11

    @Test("every color type and bit depth decodes to the expected 8-bit pixels", arguments: PNGCase.all)
    func decodesExactly(_ flavour: PNGCase) throws {
        let (width, height) = (Self.width, Self.height)
        let maxValue = (1 << Int(flavour.depth)) - 1
        let samplesPerPixel = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(flavour.colorType)] ?? 1
        var palette = [UInt8]()
        var alpha = [UInt8]()
        let paletteSize = min(maxValue + 1, 256)
        if flavour.colorType == 3 {
            for i in 0..<paletteSize { palette += [UInt8((i * 71 + 5) % 256), UInt8((i * 13 + 200) % 256), UInt8((i * 151) % 256)] }
            if flavour.paletteAlpha { alpha = (0..<paletteSize).map { UInt8(($0 * 97) % 256) } }
        }
        let limit = flavour.colorType == 3 ? paletteSize - 1 : maxValue
        let samples = (0..<(width * height * samplesPerPixel)).map { ($0 * 7919 + 3) % (limit + 1) }
        let bytes = Fixtures.png(
            samples, width: width, height: height, colorType: flavour.colorType, depth: flavour.depth,
            interlaced: flavour.interlaced, palette: palette, paletteAlpha: alpha,
            transparent: flavour.transparentColor ? (UInt16(samples[0]), UInt16(samples[1]), UInt16(samples[2])) : nil)
        #expect(!bytes.isEmpty)
        #expect(ImageFormat.sniff(bytes) == .png)

        // The 8-bit value a sample of this depth must become.
        func eight(_ value: Int) -> UInt8 {
            switch flavour.depth {
            case 16: return UInt8(value >> 8)  // libpng strip_16 and Pillow keep the high byte
            case 8: return UInt8(value)
            default: return UInt8(value * 255 / maxValue)  // exact for 1, 2, 4 bits
            }
        }
        var expected = [UInt8]()
        for p in 0..<(width * height) {
            let pixel = Array(samples[(p * samplesPerPixel)..<((p + 1) * samplesPerPixel)])
            switch flavour.colorType {
            case 0, 4: expected.append(eight(pixel[0]))
            case 3: expected += palette[(pixel[0] * 3)..<(pixel[0] * 3 + 3)]
            default: expected += pixel[0..<3].map(eight)
            }
        }
        let image = try ImageDecoder.decode(bytes: bytes)
        let channels = (flavour.colorType & 2) != 0 ? 3 : 1
        #expect(image.width == width && image.height == height && image.channels == channels)
        #expect(image.pixels == expected)

        let info = try ImageDecoder.info(bytes: bytes)
        #expect(info == ImageInfo(
            format: .png, width: width, height: height, channels: channels, bitDepth: Int(flavour.depth),
            hasAlpha: flavour.colorType == 4 || flavour.colorType == 6 || flavour.paletteAlpha || flavour.transparentColor,
            isInterlaced: flavour.interlaced))
    }

    @Test("an interlaced PNG decodes to the same pixels as the plain one")
    func interlacedMatchesPlain() throws {
        let image = Fixtures.pattern(width: 37, height: 29, channels: 3)
        let samples = image.pixels.map(Int.init)
        let plain = Fixtures.png(samples, width: 37, height: 29, colorType: 2, depth: 8)
        let interlaced = Fixtures.png(samples, width: 37, height: 29, colorType: 2, depth: 8, interlaced: true)
        #expect(plain != interlaced)
        #expect(try ImageDecoder.decode(bytes: plain) == image)
        #expect(try ImageDecoder.decode(bytes: interlaced) == image)
    }

    @Test("alpha is dropped without compositing")
    func alphaDropped() throws {
        // Fully transparent pixels keep their color, as Pillow's convert("RGB") keeps it.
        let samples = [10, 20, 30, 0, 200, 100, 50, 255]
        let bytes = Fixtures.png(samples, width: 2, height: 1, colorType: 6, depth: 8)
        #expect(try ImageDecoder.decode(bytes: bytes).pixels == [10, 20, 30, 200, 100, 50])
        let grayAlpha = Fixtures.png([77, 0, 180, 128], width: 2, height: 1, colorType: 4, depth: 8)
        #expect(try ImageDecoder.decode(bytes: grayAlpha).pixels == [77, 180])
    }
}
