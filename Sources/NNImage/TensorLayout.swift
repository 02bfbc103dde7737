/// The memory order of an image tensor's dimensions.
public enum TensorLayout: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// Batch, channel, row, column: `[N, C, H, W]` (PyTorch, ONNX default).
    case nchw
    /// Batch, row, column, channel: `[N, H, W, C]` (TensorFlow).
    case nhwc
}
