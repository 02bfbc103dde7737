/// Errors of NNTrain, each with a message that names what was wrong and where.
public enum TrainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The architecture SPEC does not parse or does not fit the input shape.
    case invalidSpec(spec: String, detail: String)
    /// A dataset could not be read or is inconsistent (bad magic, truncated, labels out of range...).
    case invalidData(source: String, detail: String)
    /// Training produced a non-finite loss; nothing was written.
    case diverged(epoch: Int, step: Int, detail: String)
    /// A training option is out of range.
    case invalidArgument(String)
    /// The trained network could not be exported or written.
    case export(String)

    public var description: String {
        switch self {
        case .invalidSpec(let spec, let detail): return "invalid architecture '\(spec)': \(detail)"
        case .invalidData(let source, let detail): return "\(source): \(detail)"
        case .diverged(let epoch, let step, let detail):
            return "training diverged in epoch \(epoch), step \(step): \(detail); no model was written (try a lower --lr)"
        case .invalidArgument(let detail): return detail
        case .export(let detail): return "export failed: \(detail)"
        }
    }
}
