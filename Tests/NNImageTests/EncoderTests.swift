import Testing

@testable import NNImage

@Suite("encoders and files")
struct EncoderTests {
    @Test("PNG and PNM encoding are lossless for gray and RGB", arguments: [1, 3])
    func lossless(channels: Int) throws {
        let image = Fixtures.pattern(width: 23, height: 17, channels: channels)
        #expect(try ImageDecoder.decode(bytes: ImageEncoder.png(image)) == image)
        #expect(try ImageDecoder.decode(bytes: ImageEncoder.pnm(image)) == image)
        #expect(ImageFormat.sniff(ImageEncoder.pnm(image)) == .pnm)
    }

    @Test("JPEG encoding rejects a bad quality")
    func jpegQuality() {
        let image = Fixtures.pattern(width: 4, height: 4, channels: 3)
        #expect(throws: ImageError.self) { try ImageEncoder.jpeg(image, quality: 0) }
        #expect(throws: ImageError.self) { try ImageEncoder.jpeg(image, quality: 101) }
    }

    @Test("files are written atomically and found by content, not by name")
    func filesAndSniffing() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.removeDirectory(directory) }
        let image = Fixtures.pattern(width: 8, height: 6, channels: 3)
        try ImageEncoder.write(image, toFile: directory + "/a.jpg", as: .png)  // misleading name on purpose
        try ImageEncoder.write(image, toFile: directory + "/b", as: .jpeg, quality: 90)
        try ImageEncoder.write(image, toFile: directory + "/c.ppm", as: .pnm)
        try ImageEncoder.write(Array("not an image".utf8), toFile: directory + "/d.png")
        // Overwriting replaces the file whole.
        try ImageEncoder.write(image.grayscale(), toFile: directory + "/c.ppm", as: .pnm)
        #expect(Fixtures.listing(directory) == ["a.jpg", "b", "c.ppm", "d.png"])  // no temporary files left
        #expect(ImageFormat.sniff(contentsOf: directory + "/a.jpg") == .png)
        #expect(ImageFormat.sniff(contentsOf: directory + "/b") == .jpeg)
        #expect(ImageFormat.sniff(contentsOf: directory + "/c.ppm") == .pnm)
        #expect(ImageFormat.sniff(contentsOf: directory + "/d.png") == nil)
        #expect(ImageFormat.sniff(contentsOf: directory + "/missing") == nil)
        #expect(try ImageDecoder.decode(contentsOf: directory + "/a.jpg") == image)
        #expect(try ImageDecoder.decode(contentsOf: directory + "/c.ppm") == image.grayscale())
        #expect(try ImageDecoder.info(contentsOf: directory + "/b").format == .jpeg)
        let error = decodeError { try ImageDecoder.decode(contentsOf: directory + "/d.png") }
        #expect(error == .unknownFormat(path: directory + "/d.png"))
    }

    @Test("writing into a missing directory is unwritable and names the path")
    func unwritable() {
        let path = "/nonexistent-dir/out.png"
        do {
            try ImageEncoder.write([1, 2, 3], toFile: path)
            Issue.record("write succeeded")
        } catch let error as ImageError {
            #expect(error.kind == "unwritable")
            #expect(error.description.hasPrefix(path))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("decoders and preprocessing run concurrently without shared state")
    func concurrent() async throws {
        let image = Fixtures.pattern(width: 31, height: 23, channels: 3)
        let files = [try ImageEncoder.png(image), try ImageEncoder.jpeg(image, progressive: true), ImageEncoder.pnm(image)]
        let preprocessing = Preprocessing.imageNet(size: 16, resizeTo: 20)
        let reference = try files.map { try preprocessing.tensor(from: ImageDecoder.decode(bytes: $0)) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<24 {
                group.addTask {
                    let bytes = files[i % files.count]
                    let tensor = try preprocessing.tensor(from: ImageDecoder.decode(bytes: bytes))
                    return tensor == reference[i % files.count]
                }
            }
            for try await same in group { #expect(same) }
        }
    }

    @Test("Image validates its sizes")
    func imageValidation() {
        #expect(Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]) != nil)
        #expect(Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3]) == nil)
        #expect(Image(width: 1, height: 1, channels: 4, pixels: [1, 2, 3, 4]) == nil)
        #expect(Image(width: 0, height: 1, channels: 1, pixels: []) == nil)
        #expect(Image(width: Int.max, height: 2, channels: 3, pixels: []) == nil)
        let image = Image(validatedWidth: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.sample(x: 1, y: 0, channel: 2) == 6)
        #expect(image.sample(x: 2, y: 0, channel: 0) == nil)
    }
}
