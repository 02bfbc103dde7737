/// Pillow-compatible antialiased bilinear resampling of 8-bit images.
///
/// The math follows the published description of Pillow's `Image.resize(size, BILINEAR)`
/// (convolution resampling, Pillow ≥ 2.7): for each output index `i` along an axis of
/// scale `s = in / out`, the filter is centered at `(i + 0.5) * s` in input coordinates; its
/// support is the triangle filter's 1.0 times `max(s, 1)` so that downscaling averages over
/// the whole footprint (antialiasing); taps cover input indices from
/// `trunc(center - support + 0.5)` to `trunc(center + support + 0.5)` clipped to the image;
/// the weight of input `j` is `triangle((j - center + 0.5) * (1 / max(s, 1)))`, and the weights of
/// each output are normalized to sum to 1. For 8-bit images the weights are then rounded to
/// 22-bit fixed point (half away from zero), each output sums `sample * weight` plus half a
/// unit and is shifted back and clamped to 0…255. Both axes are done as separate passes with
/// the intermediate image rounded to 8 bits, in Pillow 13's order (see `verticalFirst`); an
/// axis whose size does not change is not resampled.
struct BilinearResampler {
    /// Fixed-point precision of the 8-bit weights.
    static let precisionBits = 22

    /// The taps of one axis: for output `i`, `counts[i]` input samples from `starts[i]`, with
    /// weights `weights[i * stride ..< i * stride + counts[i]]`.
    struct Axis {
        var starts: [Int]
        var counts: [Int]
        var weights: [Int]
        var stride: Int

        init(inputSize: Int, outputSize: Int) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1.0)
            let support = 1.0 * filterScale
            let inverseScale = 1.0 / filterScale
            let stride = Int(support.rounded(.up)) * 2 + 1
            var starts = [Int](repeating: 0, count: outputSize)
            var counts = [Int](repeating: 0, count: outputSize)
            var weights = [Int](repeating: 0, count: outputSize * stride)
            var real = [Double](repeating: 0, count: stride)
            let unit = Double(1 << BilinearResampler.precisionBits)
            for i in 0..<outputSize {
                let center = (Double(i) + 0.5) * scale
                let first = max(Int(center - support + 0.5), 0)
                let end = min(Int(center + support + 0.5), inputSize)
                let count = min(max(end - first, 0), stride)
                var total = 0.0
                for k in 0..<count {
                    let distance = abs((Double(first + k) - center + 0.5) * inverseScale)
                    let weight = distance < 1.0 ? 1.0 - distance : 0.0
                    real[k] = weight
                    total += weight
                }
                for k in 0..<count {
                    let normalized = total != 0 ? real[k] / total : real[k]
                    weights[i * stride + k] = Int((normalized * unit).rounded(.toNearestOrAwayFromZero))
                }
                starts[i] = first
                counts[i] = count
            }
            self.starts = starts
            self.counts = counts
            self.weights = weights
            self.stride = stride
        }
    }

    /// Resamples `image` to `width`×`height` (both at least 1).
    static func resize(_ image: Image, width: Int, height: Int) -> Image {
        var result = image
        if verticalFirst(from: image, width: width, height: height) {
            if height != result.height { result = vertical(result, height: height) }
            if width != result.width { result = horizontal(result, width: width) }
        } else {
            if width != result.width { result = horizontal(result, width: width) }
            if height != result.height { result = vertical(result, height: height) }
        }
        return result
    }

    /// Whether Pillow 13 runs the vertical pass first: when the height shrinks by more than
    /// twice as many pixels as the width does (Pillow ≤ 12 always went horizontal first; the
    /// two orders differ by at most one level on some pixels, through the 8-bit intermediate).
    /// Found by black-box comparison with Pillow 13.0 on ~1000 random size pairs.
    static func verticalFirst(from image: Image, width: Int, height: Int) -> Bool {
        height < image.height && image.height - height > 2 * (image.width - width)
    }

    /// A fixed-point sum turned back into an 8-bit sample.
    @inline(__always)
    private static func clip8(_ sum: Int) -> UInt8 {
        let value = sum >> precisionBits
        return UInt8(clamping: value)
    }

    private static func horizontal(_ image: Image, width: Int) -> Image {
        let axis = Axis(inputSize: image.width, outputSize: width)
        let channels = image.channels, height = image.height, inWidth = image.width
        let count = width * height * channels
        let half = 1 << (precisionBits - 1)
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { input in
                axis.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<height {
                        let row = y * inWidth * channels
                        for x in 0..<width {
                            let first = axis.starts[x], taps = axis.counts[x], w0 = x * axis.stride
                            for c in 0..<channels {
                                var sum = half
                                var index = row + first * channels + c
                                for k in 0..<taps {
                                    sum += Int(input[index]) * weights[w0 + k]
                                    index += channels
                                }
                                out[(y * width + x) * channels + c] = clip8(sum)
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return Image(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    private static func vertical(_ image: Image, height: Int) -> Image {
        let axis = Axis(inputSize: image.height, outputSize: height)
        let channels = image.channels, width = image.width
        let rowLength = width * channels
        let count = rowLength * height
        let half = 1 << (precisionBits - 1)
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { input in
                axis.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<height {
                        let first = axis.starts[y], taps = axis.counts[y], w0 = y * axis.stride
                        for i in 0..<rowLength {
                            var sum = half
                            var index = first * rowLength + i
                            for k in 0..<taps {
                                sum += Int(input[index]) * weights[w0 + k]
                                index += rowLength
                            }
                            out[y * rowLength + i] = clip8(sum)
                        }
                    }
                }
            }
            initialized = count
        }
        return Image(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }
}
