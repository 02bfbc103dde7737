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
        // Pillow 13 runs these vertically first (height shrinks by more than twice the width's change).
        (12, 40, 3, 20, 9, "5e93796c888181788d7b84897b8b8486897d8686927f82b77798867e956ba15f7c8a5f8755798e6a858a798a817e806a7171705c6083587a90568b9874878e767f84787376828a8985988a799664887e6ea45b907e818160917e50749272698bac6676978972859c777a928d8d8274b06f43757b894e83b896708a94797f90876f8e8c8a8e939393a0778f956f877f718ca85e85ba59669b71728f72948c6778847772807a988263a09c7198c29277a8ac6196be868b6e83827e7e7497888299898c977691896e98736ba05781b65890b4618e807d8b6f848770807a7e8e6c85985f7e9a5c85a55e93b6669b9c6ca18a6f8a7f7888888586958788978a8e92909c827f9888628b9a71a1827b9e777a688676677d718068648a81648a8c807678806c7972678365819c5d92ad876c8f8270877a777a88757c8d797b828a738e7b7fa55e93898c866ea37a54896f697b749471818475807876857274977a707e886b4f6f83955e93c38a7c647f88706f9981839b7d938e789a6070945774875f7c92946990aa6572857c76857e8a9974808f827b8c847f98718aa56e98b2737ea8816da28a698e7775877f867c8c728d876a97897b8f9a7d9a8078ad4f8f8d59a17069a65d828763895677866776977077a3677ba56486b16495c271a4a879ae977f5d8f8573838e947273956f6c8f708f787b84818363988a766c858054877863977b618982576c6b668e68729b8f787b9078787e7582708ca7669bbf"),
        (40, 40, 1, 30, 10, "667c8479936e766c5e9776746a92928d8281727f8b91656a99a07f678d72747c7e8c5a8b878e7199777e788c8172947d7a8c6e9f886e8a81887a89608d9592906b8579a56f70a278686e8083716f838065988a797a7b7d838a729383797887867b6f6a619a7862827a70667e8896a19196837a8972776e73708385729679676569998c876b7f818a5c848497a9916273819575767a6f7e8c86785f7d6e8469857b8c809077799a8f817c7098696b81806c7f8869878496a26c7274847277887a798264878075718c66817c7e8786818aa07c7c7c878289898784745a6c6b6e707174798579807a9aa675838c817e6b7a72777e85a8696765769a96746a818b735e898e9bb297746b88876f7770808777836f777e708f74a27f82838d7a8a98768595858a7380848e78848773"),
        (23, 59, 1, 2, 9, "7b80827b7c797c7f7f747f7f8780807a7e82"),
    ]

    @Test("matches Pillow's BILINEAR resize exactly on generated patterns")
    func matchesPillow() throws {
        for (width, height, channels, outWidth, outHeight, golden) in Self.pillowGoldens {
            let image = Fixtures.pattern(width: width, height: height, channels: channels)
            let out = try image.resized(width: outWidth, height: outHeight)
            #expect(out.pixels == Fixtures.hex(golden), "\(width)×\(height)×\(channels) → \(outWidth)×\(outHeight)")
        }
    }

    @Test("the pass order follows Pillow 13: vertical first when the height shrinks by more than twice the width")
    func passOrder() {
        let image = Fixtures.pattern(width: 40, height: 40, channels: 1)
        #expect(BilinearResampler.verticalFirst(from: image, width: 30, height: 19))
        #expect(!BilinearResampler.verticalFirst(from: image, width: 30, height: 20))
        #expect(!BilinearResampler.verticalFirst(from: image, width: 20, height: 1))
        #expect(BilinearResampler.verticalFirst(from: image, width: 80, height: 39))
        #expect(!BilinearResampler.verticalFirst(from: image, width: 80, height: 41))
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
