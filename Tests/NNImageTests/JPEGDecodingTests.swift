import Testing

@testable import NNImage

@Suite("JPEG decoding")
struct JPEGDecodingTests {
    /// Largest and mean absolute difference between two images of one size.
    func difference(_ a: Image, _ b: Image) -> (max: Int, mean: Double) {
        var largest = 0, total = 0
        for (x, y) in zip(a.pixels, b.pixels) {
            let d = abs(Int(x) - Int(y))
            largest = max(largest, d)
            total += d
        }
        return (largest, Double(total) / Double(max(a.pixels.count, 1)))
    }

    @Test("baseline and progressive, gray and color, decode close to the original",
          arguments: [(3, false), (3, true), (1, false), (1, true)])
    func roundTrip(channels: Int, progressive: Bool) throws {
        let original = Fixtures.gradient(width: 48, height: 40, channels: channels)
        let bytes = try ImageEncoder.jpeg(original, quality: 95, progressive: progressive)
        #expect(ImageFormat.sniff(bytes) == .jpeg)
        let decoded = try ImageDecoder.decode(bytes: bytes)
        #expect(decoded.width == 48 && decoded.height == 40 && decoded.channels == channels)
        let diff = difference(decoded, original)
        #expect(diff.max <= 12, "max difference \(diff.max)")
        #expect(diff.mean <= 2.0, "mean difference \(diff.mean)")
        let info = try ImageDecoder.info(bytes: bytes)
        #expect(info.format == .jpeg && info.isInterlaced == progressive && info.channels == channels)
        #expect(info.bitDepth == 8 && !info.hasAlpha)
    }

    @Test("progressive and baseline encodings of one image decode alike")
    func progressiveMatchesBaseline() throws {
        let original = Fixtures.gradient(width: 33, height: 17, channels: 3)
        let baseline = try ImageDecoder.decode(bytes: try ImageEncoder.jpeg(original, quality: 90))
        let progressive = try ImageDecoder.decode(bytes: try ImageEncoder.jpeg(original, quality: 90, progressive: true))
        #expect(difference(baseline, progressive).max <= 2)
    }

    @Test("a JPEG cut in half is truncated, not decoded grey")
    func cutInHalf() {
        let bytes = Fixtures.jpeg(Fixtures.gradient(width: 64, height: 64, channels: 3).pixels, width: 64, height: 64, channels: 3)
        let error = decodeError { try ImageDecoder.decode(bytes: Array(bytes[0..<(bytes.count / 2)])) }
        #expect(error?.kind == "truncated", "\(String(describing: error))")
        let progressive = Fixtures.jpeg(Fixtures.gradient(width: 64, height: 64, channels: 3).pixels, width: 64, height: 64, channels: 3, progressive: true)
        let error2 = decodeError { try ImageDecoder.decode(bytes: Array(progressive[0..<(progressive.count / 2)])) }
        #expect(error2?.kind == "truncated", "\(String(describing: error2))")
    }

    @Test("a JPEG missing only its end marker is truncated")
    func missingEOI() {
        let bytes = Fixtures.jpeg(Fixtures.gradient(width: 16, height: 16, channels: 1).pixels, width: 16, height: 16, channels: 1)
        let error = decodeError { try ImageDecoder.decode(bytes: Array(bytes.dropLast(2))) }
        #expect(error?.kind == "truncated")
    }

    @Test("every cut of a JPEG fails with truncated or corrupt")
    func everyCut() {
        let bytes = Fixtures.jpeg(Fixtures.pattern(width: 24, height: 16, channels: 3).pixels, width: 24, height: 16, channels: 3, quality: 80, progressive: true)
        for length in stride(from: 3, to: bytes.count - 1, by: 7) {
            let error = decodeError { try ImageDecoder.decode(bytes: Array(bytes[0..<length])) }
            #expect(error?.kind == "truncated" || error?.kind == "corrupt", "cut at \(length): \(String(describing: error))")
        }
    }

    @Test("a CMYK JPEG is refused as unsupported with a clear message")
    func cmykRefused() {
        let pixels = (0..<(16 * 16 * 4)).map { UInt8(($0 * 5) % 256) }
        let bytes = Fixtures.jpeg(pixels, width: 16, height: 16, channels: 4)
        #expect(!bytes.isEmpty)
        let error = decodeError { try ImageDecoder.decode(bytes: bytes) }
        guard case .unsupported(_, let detail) = error else {
            Issue.record("expected unsupported, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("CMYK"))
    }

    @Test("a JPEG header declaring 65000×65000 is refused before any pixel memory")
    func hugeHeader() throws {
        var bytes = Fixtures.jpeg(Fixtures.gradient(width: 8, height: 8, channels: 3).pixels, width: 8, height: 8, channels: 3)
        // Patch the SOF0 frame header: FF C0, length (2), precision (1), height (2), width (2).
        guard let sof = (0..<(bytes.count - 9)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0 marker")
            return
        }
        bytes[sof + 5] = 0xFD; bytes[sof + 6] = 0xE8  // 65000
        bytes[sof + 7] = 0xFD; bytes[sof + 8] = 0xE8
        var error: ImageError? = nil
        let elapsed = seconds { error = decodeError { try ImageDecoder.decode(bytes: bytes) } }
        #expect(error == .tooLarge(path: nil, width: 65000, height: 65000, limit: ImageDecoder.defaultPixelLimit))
        #expect(elapsed < 1.0)
        // The header alone can still be inspected.
        #expect(try ImageDecoder.info(bytes: bytes).width == 65000)
    }
}
