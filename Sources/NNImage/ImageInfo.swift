/// What an image file's header says, read without decoding any pixels.
public struct ImageInfo: Sendable, Equatable {
    /// The file format.
    public var format: ImageFormat
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Channels a decoded `Image` will have: 1 (gray) or 3 (RGB).
    public var channels: Int
    /// Bits per sample in the file (PNG 1 … 16, JPEG 8, PNM 8 or 16).
    public var bitDepth: Int
    /// Whether the file carries transparency, which decoding drops.
    public var hasAlpha: Bool
    /// Whether the file is an interlaced PNG or a progressive JPEG.
    public var isInterlaced: Bool

    /// Creates a description of an image header.
    public init(
        format: ImageFormat, width: Int, height: Int, channels: Int, bitDepth: Int,
        hasAlpha: Bool, isInterlaced: Bool
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.hasAlpha = hasAlpha
        self.isInterlaced = isInterlaced
    }
}
