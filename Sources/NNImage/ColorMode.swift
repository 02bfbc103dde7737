/// The channels a model's input tensor expects.
public enum ColorMode: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// One channel of ITU-R 601-2 luma, as Pillow's `convert("L")` computes it.
    case gray
    /// Three channels in red, green, blue order.
    case rgb
    /// Three channels in blue, green, red order (OpenCV/Caffe models).
    case bgr

    /// Channels of the tensor: 1 for gray, else 3.
    public var channels: Int { self == .gray ? 1 : 3 }
}
