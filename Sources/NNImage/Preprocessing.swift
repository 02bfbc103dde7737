/// How to turn a decoded image into a model's float input tensor, the way a torchvision
/// pipeline does: color conversion, resize and crop on 8-bit pixels, then
/// `(value * scale - mean[c]) / std[c]` per channel, written in NCHW or NHWC order.
///
/// The steps, in order:
/// 1. Color: `convert("L")` for `.gray`, `convert("RGB")` otherwise (alpha was already
///    dropped by the decoder).
/// 2. Size, by `resize`: `.stretch` resizes to `width`×`height`; `.shorterSideCrop(n)` resizes
///    the shorter side to `n` then center-crops; `.centerCrop` only crops; `.exact` requires the
///    size. Resizing is Pillow's antialiased bilinear, cropping torchvision's `CenterCrop`.
/// 3. Values: `(Float(v) * scale - mean[c]) / std[c]`, where `c` counts the tensor's
///    channels (for `.bgr`, channel 0 is blue and `mean[0]` applies to it).
/// 4. Layout: channel planes (`.nchw`) or interleaved (`.nhwc`).
public struct Preprocessing: Sendable, Equatable, Hashable, Codable {
    /// The tensor's channels: gray, RGB or BGR.
    public var colorMode: ColorMode
    /// Tensor width in pixels.
    public var width: Int
    /// Tensor height in pixels.
    public var height: Int
    /// How the image is brought to `width`×`height`.
    public var resize: ResizePolicy
    /// Factor applied to the 0…255 sample values first (1/255 maps them to 0…1).
    public var scale: Float
    /// Per-channel mean subtracted after scaling: empty (0), one value for all channels, or one
    /// per channel in tensor channel order.
    public var mean: [Float]
    /// Per-channel divisor applied after the mean: empty (1), one value, or one per channel.
    public var std: [Float]
    /// The tensor's dimension order.
    public var layout: TensorLayout

    /// Creates a preprocessing description; call `validate()` to check it.
    public init(
        colorMode: ColorMode = .rgb, width: Int, height: Int, resize: ResizePolicy = .stretch,
        scale: Float = 1.0 / 255.0, mean: [Float] = [], std: [Float] = [], layout: TensorLayout = .nchw
    ) {
        self.colorMode = colorMode
        self.width = width
        self.height = height
        self.resize = resize
        self.scale = scale
        self.mean = mean
        self.std = std
        self.layout = layout
    }

    /// The usual ImageNet preprocessing: RGB, shorter side to `resizeTo` (256), center crop
    /// `size`×`size` (224), scale 1/255, ImageNet mean and std, NCHW.
    public static func imageNet(size: Int = 224, resizeTo: Int = 256) -> Preprocessing {
        Preprocessing(
            colorMode: .rgb, width: size, height: size, resize: .shorterSideCrop(resizeTo: resizeTo),
            scale: 1.0 / 255.0, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: .nchw)
    }

    /// Channels of the tensor: 1 for gray, 3 for RGB and BGR.
    public var channels: Int { colorMode.channels }

    /// Floats in one image's tensor: `channels * height * width`.
    public var elementCount: Int { channels * height * width }

    /// The tensor shape for a batch of `batch` images: `[batch, C, H, W]` or `[batch, H, W, C]`.
    public func shape(batch: Int = 1) -> [Int] {
        switch layout {
        case .nchw: return [batch, channels, height, width]
        case .nhwc: return [batch, height, width, channels]
        }
    }

    /// Checks every parameter.
    ///
    /// - Throws: `PreprocessingError.invalidParameter` naming the first bad one.
    public func validate() throws {
        try validateTyped()
    }

    func validateTyped() throws(PreprocessingError) {
        guard width >= 1, height >= 1, width <= 1 << 16, height <= 1 << 16 else {
            throw .invalidParameter("target size \(width)×\(height) is outside 1 … 65536")
        }
        if case .shorterSideCrop(let side) = resize, side < 1 || side > 1 << 16 {
            throw .invalidParameter("shorter-side resize \(side) is outside 1 … 65536")
        }
        guard scale.isFinite else { throw .invalidParameter("scale \(scale) is not finite") }
        for (name, values) in [("mean", mean), ("std", std)] {
            guard values.count == 0 || values.count == 1 || values.count == channels else {
                throw .invalidParameter("\(name) has \(values.count) values for \(channels) channels")
            }
            guard values.allSatisfy({ $0.isFinite }) else {
                throw .invalidParameter("\(name) has a value that is not finite")
            }
        }
        guard std.allSatisfy({ $0 != 0 }) else { throw .invalidParameter("std has a zero") }
    }

    /// The mean of tensor channel `c`.
    func mean(ofChannel c: Int) -> Float {
        mean.isEmpty ? 0 : mean.count == 1 ? mean[0] : mean[c]
    }

    /// The std of tensor channel `c`.
    func std(ofChannel c: Int) -> Float {
        std.isEmpty ? 1 : std.count == 1 ? std[0] : std[c]
    }
}
