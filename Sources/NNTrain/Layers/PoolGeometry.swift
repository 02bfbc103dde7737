/// The window geometry shared by max and average pooling: square windows, stride, symmetric zero padding.
struct PoolGeometry {
    let channels: Int, height: Int, width: Int
    let kernel: Int, stride: Int, padding: Int
    let outHeight: Int, outWidth: Int

    init(layer: String, inputShape: [Int], kernel: Int, stride: Int?, padding: Int) throws(TrainError) {
        guard inputShape.count == 3 else { throw .invalidArgument("\(layer): needs a (C, H, W) input, got \(inputShape)") }
        let s = stride ?? kernel
        guard kernel >= 1, s >= 1, padding >= 0, 2 * padding <= kernel else {
            throw .invalidArgument("\(layer): needs kernel ≥ 1, stride ≥ 1 and 0 ≤ padding ≤ kernel/2")
        }
        (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        (self.kernel, self.stride, self.padding) = (kernel, s, padding)
        outHeight = (height + 2 * padding - kernel) / s + 1
        outWidth = (width + 2 * padding - kernel) / s + 1
        guard height + 2 * padding >= kernel, width + 2 * padding >= kernel else {
            throw .invalidArgument("\(layer): a \(kernel)×\(kernel) window does not fit the \(height)×\(width) input")
        }
    }

    var outputShape: [Int] { [channels, outHeight, outWidth] }

    /// The input rows and columns of output (oh, ow)'s window that lie inside the image.
    @inline(__always)
    func window(_ oh: Int, _ ow: Int) -> (rows: Range<Int>, cols: Range<Int>) {
        let h0 = oh * stride - padding, w0 = ow * stride - padding
        return (max(h0, 0)..<min(h0 + kernel, height), max(w0, 0)..<min(w0 + kernel, width))
    }
}
