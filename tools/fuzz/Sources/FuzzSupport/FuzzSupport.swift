import NNFormat
import NNRuntime

/// Bounded options and small run inputs shared by the fuzz targets.
///
/// The limits are far below the library defaults so that a finding is a real bug (a crash, an
/// overflow, memory or time out of proportion to the input), not a model that is merely large.
public enum FuzzSupport {
    /// Reader limits for fuzzing: small files, small tensors, shallow graphs.
    public static var readOptions: ReadOptions {
        var limits = ReadOptions.Limits()
        limits.maxFileBytes = 1 << 20
        limits.maxTotalTensorBytes = 16 << 20
        limits.maxTensorElements = 1 << 20
        limits.maxNodes = 10_000
        limits.maxGraphDepth = 8
        limits.maxStringBytes = 1 << 16
        return ReadOptions(limits: limits, externalData: .deny)
    }

    /// Session options for fuzzing: one thread, small tensors and arenas.
    public static var sessionOptions: SessionOptions {
        var options = SessionOptions(threads: 1, optimize: true, maxTensorElements: 1 << 20)
        options.maxMemoryBytes = 256 << 20
        return options
    }

    /// The most floating-point operations a fuzzed model may cost for its one run.
    public static let maxRunFlops = 1 << 26

    /// Inputs of the declared shapes (symbolic dimensions as 1), or `nil` when they would be large.
    public static func inputs(for session: InferenceSession, maxElements: Int = 1 << 16) -> [Tensor]? {
        var feeds: [Tensor] = []
        for info in session.inputs {
            var shape: [Int] = []
            var count = 1
            for d in info.shape {
                let n: Int
                if case .value(let v) = d { n = v } else { n = 1 }
                let (c, o) = count.multipliedReportingOverflow(by: n)
                guard !o, c <= maxElements else { return nil }
                count = c
                shape.append(n)
            }
            switch info.elementType {
            case .float: feeds.append(Tensor(shape: shape, floats: (0..<count).map { Float($0 % 7) - 3 }))
            case .int64: feeds.append(Tensor(shape: shape, int64s: (0..<count).map { Int64($0 % 3) }))
            default: return nil
            }
        }
        return feeds
    }
}
