import NNImage

/// libFuzzer target: PNG, JPEG and PNM bytes → header, decode, then preprocessing.
///
/// The pixel limit is 4 megapixels so that a decompression bomb under it costs bounded memory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? ImageDecoder.info(bytes: bytes)
    let image: Image
    do {
        image = try ImageDecoder.decode(bytes: bytes, pixelLimit: 4_000_000)
    } catch {
        _ = "\(error)"
        return 0
    }
    // The last byte chooses a preprocessing so every resize/crop path sees decoded images.
    let pick = Int(bytes.last ?? 0)
    let policies: [ResizePolicy] = [.stretch, .shorterSideCrop(resizeTo: 40), .centerCrop, .exact]
    let p = Preprocessing(
        colorMode: pick & 1 == 0 ? .rgb : .gray, width: 16 + pick % 17, height: 16 + pick % 13,
        resize: policies[(pick >> 1) % policies.count], mean: [0.5], std: [0.25], layout: pick & 8 == 0 ? .nchw : .nhwc)
    _ = try? p.tensor(from: image)
    _ = image.grayscale()
    _ = try? image.centerCropped(width: max(1, image.width / 2), height: max(1, image.height / 2))
    return 0
}
