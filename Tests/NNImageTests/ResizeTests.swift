import Testing

@testable import NNImage

@Suite("resize, crop and color conversion")
struct ResizeTests {
    func gray(_ width: Int, _ height: Int, _ pixels: [UInt8]) -> Image {
        Image(validatedWidth: width, height: height, channels: 1, pixels: pixels)
    }

    @Test("2× downscale uses a triangle of doubled support: weights 3/7, 3/7, 1/7")
    func downscaleByTwo() throws {
        // Output 0 is centered at input 1.0; taps at inputs 0, 1, 2 with triangle weights
        // 0.75, 0.75, 0.25 (distances 0.25, 0.25, 0.75 in half-scale units), normalized.
        let row: [UInt8] = [0, 0, 100, 100]
        let image = gray(4, 4, row + row + row + row)
        let out = try image.resized(width: 2, height: 2)
        // 25/1.75 = 14.29 → 14;  150/1.75 = 85.71 → 86. Rows are equal, so the vertical pass keeps them.
        #expect(out.pixels == [14, 86, 14, 86])
        // Along y the same weights apply.
        let column = gray(1, 4, [0, 0, 100, 100])
        #expect(try column.resized(width: 1, height: 2).pixels == [14, 86])
        // A constant image stays constant, and a block pattern averages where the weights are symmetric.
        #expect(try gray(4, 4, [UInt8](repeating: 77, count: 16)).resized(width: 2, height: 2).pixels == [77, 77, 77, 77])
        // 3× downscale of one row: centers at 1.5, 4.5, 7.5 with support 3.
        let wide = gray(9, 1, [0, 0, 0, 0, 0, 0, 100, 100, 100])
        #expect(try wide.resized(width: 3, height: 1).pixels == [0, 11, 88])
    }

    @Test("upscaling interpolates between pixel centers and clamps at the edges")
    func upscale() throws {
        // Centers at 0.25, 0.75, 1.25, 1.75 in input coordinates; the edges see one pixel only.
        #expect(try gray(2, 1, [0, 100]).resized(width: 4, height: 1).pixels == [0, 25, 75, 100])
        #expect(try gray(1, 2, [0, 100]).resized(width: 1, height: 4).pixels == [0, 25, 75, 100])
        #expect(try gray(1, 1, [42]).resized(width: 3, height: 5).pixels == [UInt8](repeating: 42, count: 15))
    }

    /// Outputs of Pillow 13.0 `Image.fromarray(pattern).resize((w, h), Image.BILINEAR)`.
    static let pillowGoldens: [(Int, Int, Int, Int, Int, String)] = [
        (13, 9, 3, 5, 4, "6a838f7887927e7c866676876e9c7f7b8682888a898b7086798372736e8074957883967169747d8989738890837e6b91747a8680798b8d8679987b79"),
        (5, 4, 3, 11, 9, "00356a073c71184d82285d92396ea34a7fb45b90c56ca1d67cb1e68dc2f794c9fe0f4479164b80285d92396e9f4a7f9d5c919b6d8fac7f8dbe8099ce7eabe07db2e7386da23f74a95287bc659ac077ac8c8abf589d8b6bb0567d895b90556ea34075aa6095bc689bc47ca8d88fb7d79dcb7cabe023bf8637d32c4b8f2a5f363f7412477c89be7391af7ba78b91b1729b8c8776689d527d786793537d7a5e935673a8477cb1b1e629bac332d16d49d22c5f7b43702459803b6a97527aae6591c675a7dc7bb0e576ab4380994d986a65a2497e746297457aaf5d929a76ab858e9f95a68aadb082b72d626c376576516b906675aa6d8fc473a8dd8dc296a7dc4fc1a856da616fe5457a11467b1c5186366ba05085ba6ba0d585baef9fd495baef3bd4ac3eee5258f92e63"),
        (13, 9, 3, 13, 4, "4b80827678ad6ea36a996095568bc080b558ab4e834479ae6fa46b82497e3f74a9699e7494c96c5b907a8e7e7b827fa183a56aa671a65b907ac64d825483808784a686a83b743f6d4075aab17c667db27d5c7e7b928f7f7aaf2f927cb16da26d305e93ab6360817e5c7eb3a998703b5287bcc4ae668d6398854c816ea3a54e8385a6487d6a9f754b80b5d53d729acf633f74a9d1653b5b90c5ce7138"),
        (7, 7, 3, 3, 11, "20558a6fa4cabe985f4c819d80859683878085b0ab8f625f4975a0a085686d7a94998c7185746f7c9196b379684378adb0a974a3467b8193828982877676ab919e6b757f886095ac66966e7bab71669b6c63988696aa4e597073669b99aca5344e4c81"),
        (13, 9, 1, 4, 3, "747f706d7e81847b77768891"),
        (9, 1, 1, 4, 1, "1f6aac3d"),
        (200, 3, 1, 7, 2, "7781857b80847c7b7e8283817d7e"),
    ]

    @Test("matches Pillow's BILINEAR resize exactly on generated patterns")
    func matchesPillow() throws {
        for (width, height, channels, outWidth, outHeight, golden) in Self.pillowGoldens {
            let image = Fixtures.pattern(width: width, height: height, channels: channels)
            let out = try image.resized(width: outWidth, height: outHeight)
            #expect(out.pixels == Fixtures.hex(golden), "\(width)×\(height)×\(channels) → \(outWidth)×\(outHeight)")
        }
    }

    @Test("same size is the identity")
    func identity() throws {
        let image = Fixtures.pattern(width: 16, height: 12, channels: 3)
        #expect(try image.resized(width: 16, height: 12) == image)
        #expect(throws: PreprocessingError.self) { try image.resized(width: 0, height: 3) }
    }

    @Test("center-crop offsets follow torchvision: round half to even, zero padding when larger")
    func cropOffsets() throws {
        #expect(Image.centerCropOrigin(imageWidth: 10, imageHeight: 10, cropWidth: 5, cropHeight: 5) == (2, 2))  // 2.5 → 2
        #expect(Image.centerCropOrigin(imageWidth: 11, imageHeight: 9, cropWidth: 4, cropHeight: 4) == (4, 2))  // 3.5 → 4, 2.5 → 2
        #expect(Image.centerCropOrigin(imageWidth: 8, imageHeight: 21, cropWidth: 4, cropHeight: 12) == (2, 4))  // 4.5 → 4
        #expect(Image.centerCropOrigin(imageWidth: 4, imageHeight: 6, cropWidth: 7, cropHeight: 6) == (-1, 0))  // pad 1 left, 2 right
        let image = gray(3, 2, [1, 2, 3, 4, 5, 6])
        let padded = try image.centerCropped(width: 5, height: 4)
        #expect(padded.pixels == [0, 0, 0, 0, 0,
                                  0, 1, 2, 3, 0,
                                  0, 4, 5, 6, 0,
                                  0, 0, 0, 0, 0])
        #expect(try image.cropped(x: 1, y: 1, width: 2, height: 1).pixels == [5, 6])
        #expect(try image.cropped(x: -2, y: 0, width: 3, height: 1).pixels == [0, 0, 1])
        #expect(try image.cropped(x: 5, y: 5, width: 2, height: 1).pixels == [0, 0])
    }

    @Test("shorter-side sizes follow torchvision's Resize(int): the long side is truncated")
    func shorterSide() {
        #expect(ResizePolicy.shorterSideSize(width: 640, height: 480, shorterSide: 256) == (341, 256))
        #expect(ResizePolicy.shorterSideSize(width: 480, height: 640, shorterSide: 256) == (256, 341))
        #expect(ResizePolicy.shorterSideSize(width: 500, height: 500, shorterSide: 224) == (224, 224))
        #expect(ResizePolicy.shorterSideSize(width: 1000, height: 3, shorterSide: 2) == (666, 2))
        #expect(ResizePolicy.shorterSideSize(width: 40, height: 30, shorterSide: 16) == (21, 16))
    }

    @Test("RGB to gray is Pillow's convert(\"L\"), gray to RGB replicates")
    func colorConversion() {
        #expect(Image.luma(red: 255, green: 0, blue: 0) == 76)
        #expect(Image.luma(red: 0, green: 255, blue: 0) == 150)
        #expect(Image.luma(red: 0, green: 0, blue: 255) == 29)
        #expect(Image.luma(red: 255, green: 255, blue: 255) == 255)
        // Pillow 13.0 convert("L") of the 6×5 pattern.
        let pattern = Fixtures.pattern(width: 6, height: 5, channels: 3)
        #expect(pattern.grayscale().pixels == Fixtures.hex("2b50759abfc786b2c1573662c461477aadc33c76b0cd715e97bb665a9b65"))
        let gray = gray(2, 1, [9, 200])
        #expect(gray.rgb().pixels == [9, 9, 9, 200, 200, 200])
        #expect(gray.rgb().grayscale() == gray)
        #expect(gray.grayscale() == gray)
    }
}
