import Foundation
import Testing

@testable import NNImage

@Suite("preprocessing to tensors")
struct PreprocessingTests {
    @Test("normalization is (v * scale - mean) / std per channel")
    func normalization() throws {
        let image = Image(validatedWidth: 1, height: 1, channels: 3, pixels: [0, 128, 255])
        let p = Preprocessing(colorMode: .rgb, width: 1, height: 1, resize: .exact, scale: 1.0 / 255.0,
                              mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2])
        let t = try p.tensor(from: image)
        let s: Float = 1.0 / 255.0
        #expect(t == [(0 * s - 0.5) / 0.5, (128 * s - 0.25) / 0.25, (255 * s - 0) / 2])
        // Scale 1, no mean/std: raw values.
        #expect(try Preprocessing(width: 1, height: 1, resize: .exact, scale: 1).tensor(from: image) == [0, 128, 255])
        // A single mean/std value applies to every channel.
        #expect(try Preprocessing(width: 1, height: 1, resize: .exact, scale: 1, mean: [128], std: [2]).tensor(from: image) == [-64, 0, 63.5])
    }

    @Test("NCHW writes channel planes, NHWC interleaves, BGR swaps and takes mean in tensor order")
    func layouts() throws {
        let image = Image(validatedWidth: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        let nchw = Preprocessing(width: 2, height: 1, resize: .exact, scale: 1)
        #expect(try nchw.tensor(from: image) == [1, 4, 2, 5, 3, 6])
        #expect(nchw.shape(batch: 8) == [8, 3, 1, 2])
        var nhwc = nchw
        nhwc.layout = .nhwc
        #expect(try nhwc.tensor(from: image) == [1, 2, 3, 4, 5, 6])
        #expect(nhwc.shape() == [1, 1, 2, 3])
        let bgr = Preprocessing(colorMode: .bgr, width: 2, height: 1, resize: .exact, scale: 1, mean: [100, 0, 0])
        #expect(try bgr.tensor(from: image) == [-97, -94, 2, 5, 1, 4])
        var bgrNHWC = bgr
        bgrNHWC.layout = .nhwc
        #expect(try bgrNHWC.tensor(from: image) == [-97, 2, 1, -94, 5, 4])
    }

    @Test("gray models get luma; RGB models get replicated gray")
    func colorModes() throws {
        let color = Image(validatedWidth: 1, height: 1, channels: 3, pixels: [255, 0, 0])
        let gray = Preprocessing(colorMode: .gray, width: 1, height: 1, resize: .exact, scale: 1)
        #expect(try gray.tensor(from: color) == [76])
        #expect(gray.elementCount == 1)
        let mono = Image(validatedWidth: 1, height: 1, channels: 1, pixels: [9])
        #expect(try Preprocessing(width: 1, height: 1, resize: .exact, scale: 1).tensor(from: mono) == [9, 9, 9])
    }

    @Test("ImageNet-style Resize(16) + CenterCrop(12) matches Pillow + torchvision on a pattern")
    func pipelineMatchesPillow() throws {
        let image = Fixtures.pattern(width: 40, height: 30, channels: 3)
        let p = Preprocessing.imageNet(size: 12, resizeTo: 16)
        // Pillow 13.0: resize((21, 16), BILINEAR), crop((4, 2, 16, 14)).
        let golden = Fixtures.hex("9e836b6f886a77909e7970a1796b877e738d857171a1785b8781887578a3798596a88c82879f7195657c8f83798b816883a56d98766762637e8383717780957f619687838083997f8a839690946a93867d7b817f6c7e79778b67846874777e817c92999d6f7b79897e857b9272717c9698965a829b99996c5c7472627081915c8370936e6b815d847f927e527096997d8da0488ec088566fa0ad7f5e7ca96a787d7a6c717376a95875aa51518474555f6a94a6628a79976ea3ae5f80977e69885483837b8594648d66659762837467a55970b55455a378745877ac4c81a972a2a78f7e817e8d6087a2739573866a866797677cb77f85b3a544814f626c80756988a19eb871944d566b5f947b8b6e977b6d62788e73819c868d7caa7e766460816a908b6a6a8b938673745e7d7e72a7716c906e6a6d678489869773936a759aac7e7774896b6d75796f738077ab837c74865c898262977b797cae8665948c8b7e838e82959573777f8f8a7e827486596c848f87728cb07ba282756c6a898c8d7d838c9e646b6f75787c7f968c7b699c7481779c7987896688778a837d94727a767f85887f739c6e997c7262817a5e7381")
        let prepared = try p.preparedImage(from: image)
        #expect(prepared.pixels == golden)
        // torchvision: ToTensor divides by 255, Normalize subtracts mean and divides by std.
        let tensor = try p.tensor(from: image)
        let mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225]
        var worst = 0.0
        for c in 0..<3 {
            for i in 0..<(12 * 12) {
                let expected = (Double(golden[i * 3 + c]) / 255.0 - mean[c]) / std[c]
                worst = max(worst, abs(Double(tensor[c * 144 + i]) - expected))
            }
        }
        #expect(worst < 1e-5)
    }

    @Test("gray stretch pipeline converts first, then resizes, as convert(\"L\").resize() does")
    func grayStretchMatchesPillow() throws {
        let image = Fixtures.pattern(width: 40, height: 30, channels: 3)
        let p = Preprocessing(colorMode: .gray, width: 10, height: 7, resize: .stretch)
        let golden = Fixtures.hex("8380797981848a83867f837c83817c7d7e867f80898a8a83778079817b86888b857f837e7f7f7a818a827b79767f887d7f7e7f7e797f81847e7e7f89828786837e7f7e7e7f93")
        #expect(try p.preparedImage(from: image).pixels == golden)
    }

    @Test("centerCrop pads with zeros when the image is smaller, which then normalize like 0")
    func centerCropPadding() throws {
        let image = Image(validatedWidth: 1, height: 1, channels: 1, pixels: [200])
        let p = Preprocessing(colorMode: .gray, width: 3, height: 3, resize: .centerCrop, scale: 1, mean: [10])
        #expect(try p.tensor(from: image) == [-10, -10, -10, -10, 190, -10, -10, -10, -10])
    }

    @Test("writeTensor fills a slice of a preallocated batch buffer")
    func batching() throws {
        let p = Preprocessing(width: 4, height: 3, resize: .stretch)
        let images = [Fixtures.pattern(width: 9, height: 7, channels: 3), Fixtures.pattern(width: 5, height: 5, channels: 1)]
        var batch = [Float](repeating: -1, count: p.elementCount * images.count)
        try batch.withUnsafeMutableBufferPointer { buffer in
            for (i, image) in images.enumerated() {
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[(i * p.elementCount)..<((i + 1) * p.elementCount)])
                try p.writeTensor(from: image, into: slice)
            }
        }
        #expect(Array(batch[0..<p.elementCount]) == (try p.tensor(from: images[0])))
        #expect(Array(batch[p.elementCount...]) == (try p.tensor(from: images[1])))
        var small = [Float](repeating: 0, count: 5)
        #expect(throws: PreprocessingError.bufferSize(expected: 36, actual: 5)) {
            try small.withUnsafeMutableBufferPointer { try p.writeTensor(from: images[0], into: $0) }
        }
    }

    @Test("exact policy refuses other sizes; invalid parameters are reported")
    func errors() {
        let image = Fixtures.pattern(width: 5, height: 4, channels: 3)
        #expect(throws: PreprocessingError.sizeMismatch(width: 5, height: 4, expectedWidth: 4, expectedHeight: 4)) {
            try Preprocessing(width: 4, height: 4, resize: .exact).tensor(from: image)
        }
        let bad: [Preprocessing] = [
            Preprocessing(width: 0, height: 4),
            Preprocessing(width: 4, height: 4, std: [1, 0, 1]),
            Preprocessing(width: 4, height: 4, mean: [1, 2]),
            Preprocessing(width: 4, height: 4, resize: .shorterSideCrop(resizeTo: 0)),
            Preprocessing(width: 4, height: 4, scale: .nan),
        ]
        for p in bad {
            #expect(throws: PreprocessingError.self) { try p.tensor(from: image) }
        }
    }

    @Test("resize policies have a short string form")
    func policyStrings() {
        let policies: [ResizePolicy] = [.stretch, .shorterSideCrop(resizeTo: 256), .centerCrop, .exact]
        for policy in policies { #expect(ResizePolicy(policy.description) == policy) }
        #expect(ResizePolicy.shorterSideCrop(resizeTo: 256).description == "shorter-side-crop:256")
        for bad in ["", "none", "shorter-side-crop:", "shorter-side-crop:0", "shorter-side-crop:x"] {
            #expect(ResizePolicy(bad) == nil)
        }
    }

    @Test("Preprocessing round-trips through JSON")
    func codable() throws {
        let p = Preprocessing.imageNet()
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(Preprocessing.self, from: data) == p)
        var q = p
        q.resize = .exact
        q.colorMode = .bgr
        q.layout = .nhwc
        #expect(try JSONDecoder().decode(Preprocessing.self, from: JSONEncoder().encode(q)) == q)
    }
}
