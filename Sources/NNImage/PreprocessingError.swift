/// Why preprocessing could not turn an image into a tensor.
public enum PreprocessingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `Preprocessing` parameter is out of range (size, scale, mean/std count, zero std, …).
    case invalidParameter(String)
    /// Policy `.exact` met an image whose size is not the target size.
    case sizeMismatch(width: Int, height: Int, expectedWidth: Int, expectedHeight: Int)
    /// The output buffer does not hold exactly one tensor.
    case bufferSize(expected: Int, actual: Int)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .invalidParameter(let detail):
            return "invalid preprocessing: \(detail)"
        case .sizeMismatch(let width, let height, let expectedWidth, let expectedHeight):
            return "image is \(width)×\(height), the model needs exactly \(expectedWidth)×\(expectedHeight)"
        case .bufferSize(let expected, let actual):
            return "tensor buffer holds \(actual) floats, one image needs \(expected)"
        }
    }
}
