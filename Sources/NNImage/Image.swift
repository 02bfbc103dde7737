/// An 8-bit image held in memory: gray or RGB, interleaved, top row first.
///
/// `pixels[(y * width + x) * channels + c]` is channel `c` of the pixel at column `x`, row `y`.
/// Decoders drop alpha the way Pillow's `convert("RGB")` / `convert("L")` do: the color samples
/// are kept as they are, nothing is composited over a background.
public struct Image: Sendable, Equatable {
    /// Width in pixels (at least 1).
    public let width: Int
    /// Height in pixels (at least 1).
    public let height: Int
    /// Samples per pixel: 1 for gray, 3 for RGB.
    public let channels: Int
    /// The samples, `width * height * channels` of them, interleaved, rows top to bottom.
    public let pixels: [UInt8]

    /// Creates an image from interleaved samples, or returns nil if the sizes are inconsistent.
    ///
    /// - Parameters:
    ///   - width: Width in pixels, at least 1.
    ///   - height: Height in pixels, at least 1.
    ///   - channels: 1 (gray) or 3 (RGB).
    ///   - pixels: Exactly `width * height * channels` samples.
    public init?(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        guard width > 0, height > 0, channels == 1 || channels == 3 else { return nil }
        let (area, overflow1) = width.multipliedReportingOverflow(by: height)
        let (count, overflow2) = area.multipliedReportingOverflow(by: channels)
        guard !overflow1, !overflow2, count == pixels.count else { return nil }
        self.init(validatedWidth: width, height: height, channels: channels, pixels: pixels)
    }

    /// Creates an image whose sizes the caller has already checked.
    init(validatedWidth width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Whether the image has one (gray) channel.
    public var isGray: Bool { channels == 1 }

    /// Number of pixels, `width * height`.
    public var pixelCount: Int { width * height }

    /// The sample of channel `channel` at column `x`, row `y`, or nil outside the image.
    public func sample(x: Int, y: Int, channel: Int) -> UInt8? {
        guard x >= 0, x < width, y >= 0, y < height, channel >= 0, channel < channels else {
            return nil
        }
        return pixels[(y * width + x) * channels + channel]
    }
}
