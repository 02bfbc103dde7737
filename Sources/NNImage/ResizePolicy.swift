/// How an image is brought to a model's input size.
public enum ResizePolicy: Sendable, Equatable, Hashable, Codable, LosslessStringConvertible {
    /// Resize to exactly the target width and height, ignoring the aspect ratio
    /// (torchvision `Resize((h, w))`).
    case stretch
    /// Resize so the shorter side is `resizeTo` pixels, keeping the aspect ratio, then crop
    /// the target size from the center (torchvision `Resize(n)` then `CenterCrop((h, w))`).
    case shorterSideCrop(resizeTo: Int)
    /// Crop the target size from the center without resizing, padding with zeros where the
    /// image is smaller (torchvision `CenterCrop((h, w))`).
    case centerCrop
    /// No resizing or cropping: the image must already have the target size.
    case exact

    /// The size torchvision's `Resize(shorterSide)` gives an image of `width`×`height`: the
    /// shorter side becomes `shorterSide`, the longer one `int(shorterSide * long / short)`.
    public static func shorterSideSize(width: Int, height: Int, shorterSide: Int) -> (width: Int, height: Int) {
        guard width > 0, height > 0, shorterSide > 0 else { return (width, height) }
        let short = min(width, height), long = max(width, height)
        let (product, overflow) = shorterSide.multipliedReportingOverflow(by: long)
        let newLong = overflow
            ? Int(Double(shorterSide) * Double(long) / Double(short))
            : Int(Double(product) / Double(short))
        return width <= height ? (shorterSide, newLong) : (newLong, shorterSide)
    }

    /// The policy as a short string: `stretch`, `shorter-side-crop:N`, `center-crop` or `exact`
    /// (for command-line flags and metadata values).
    public var description: String {
        switch self {
        case .stretch: return "stretch"
        case .shorterSideCrop(let side): return "shorter-side-crop:\(side)"
        case .centerCrop: return "center-crop"
        case .exact: return "exact"
        }
    }

    /// Parses the form `description` writes; nil for anything else.
    public init?(_ description: String) {
        switch description {
        case "stretch": self = .stretch
        case "center-crop": self = .centerCrop
        case "exact": self = .exact
        default:
            let prefix = "shorter-side-crop:"
            guard description.hasPrefix(prefix), let side = Int(description.dropFirst(prefix.count)), side > 0 else {
                return nil
            }
            self = .shorterSideCrop(resizeTo: side)
        }
    }
}
