/// Labelled images in memory: 8-bit pixels, planar `(count, C, H, W)`, and a class index each.
public struct Dataset: Sendable, Equatable {
    /// Where the data came from (a path), for messages and the training record.
    public var source: String
    /// Image geometry shared by every sample.
    public var channels: Int, height: Int, width: Int
    /// Pixels 0–255, `(count, C, H, W)` row-major.
    public var pixels: [UInt8]
    /// Class index of each sample, in `0..<classNames.count`.
    public var labels: [Int]
    /// Class names, index order (`"0"`…`"9"` for digits, folder names for an image tree).
    public var classNames: [String]

    /// Creates a dataset; checks that sizes and labels agree.
    public init(source: String, channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int], classNames: [String]) throws(TrainError) {
        let size = channels * height * width
        guard channels > 0, height > 0, width > 0 else { throw .invalidData(source: source, detail: "image size \(channels)×\(height)×\(width) is empty") }
        guard !labels.isEmpty else { throw .invalidData(source: source, detail: "no samples") }
        guard pixels.count == labels.count * size else {
            throw .invalidData(source: source, detail: "\(pixels.count) pixel values for \(labels.count) images of \(channels)×\(height)×\(width)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            throw .invalidData(source: source, detail: "label \(labels[bad]) of sample \(bad) is out of range 0..<\(classNames.count)")
        }
        self.source = source
        (self.channels, self.height, self.width) = (channels, height, width)
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
    }

    /// The number of samples.
    public var count: Int { labels.count }
    /// Values per image.
    public var imageSize: Int { channels * height * width }
    /// `[C, H, W]`.
    public var shape: [Int] { [channels, height, width] }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var copy = self
        let size = imageSize
        var p = [UInt8]()
        p.reserveCapacity(indices.count * size)
        for i in indices { p.append(contentsOf: pixels[i * size..<(i + 1) * size]) }
        copy.pixels = p
        copy.labels = indices.map { labels[$0] }
        return copy
    }

    /// Samples per class.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for l in labels { counts[l] += 1 }
        return counts
    }
}

/// Maps 8-bit pixels to network inputs: `(v/255 − mean[c]) / std[c]`.
public struct Normalization: Sendable, Equatable {
    /// Per-channel mean and standard deviation of the 0–1 scaled pixels.
    public var mean: [Float], std: [Float]

    /// Creates a normalization (one value per channel).
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// The per-channel mean and standard deviation of a dataset (use the training part only).
    public init(fitting data: Dataset) {
        let plane = data.height * data.width
        var mean = [Float](), std = [Float]()
        for c in 0..<data.channels {
            var s: Double = 0, s2: Double = 0
            for i in 0..<data.count {            // pixels is (count, C, H·W)
                let base = (i * data.channels + c) * plane
                for j in 0..<plane { let v = Double(data.pixels[base + j]) / 255; s += v; s2 += v * v }
            }
            let n = Double(data.count * plane)
            let m = s / n
            mean.append(Float(m))
            std.append(Float(max((s2 / n - m * m).squareRoot(), 1e-6)))
        }
        self.init(mean: mean, std: std)
    }

    /// The input batch for the samples at `indices`: `(N, C, H, W)` floats.
    public func batch(_ data: Dataset, _ indices: ArraySlice<Int>) -> Activations {
        let size = data.imageSize, plane = data.height * data.width
        var table = [Float](repeating: 0, count: data.channels * 256)
        for c in 0..<data.channels {
            for v in 0..<256 { table[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c] }
        }
        var x = [Float](repeating: 0, count: indices.count * size)
        data.pixels.withUnsafeBufferPointer { px in
            x.withMutablePointer { xp in
                for (row, i) in indices.enumerated() {    // x is (N, C, H·W)
                    for c in 0..<data.channels {
                        let src = i * size + c * plane, dst = row * size + c * plane
                        for j in 0..<plane { xp[dst + j] = table[c * 256 + Int(px[src + j])] }
                    }
                }
            }
        }
        return Activations(shape: [indices.count] + data.shape, values: x)
    }
}
