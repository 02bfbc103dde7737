/// Reads MNIST's IDX files (plain or gzip): unsigned-byte images `0x00000803` (count, rows, cols)
/// and labels `0x00000801` (count).
public enum IDXReader {
    /// Whether the bytes (already inflated) start with an IDX unsigned-byte magic of 1 or 3 dims.
    static func isIDX(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 && (bytes[3] == 1 || bytes[3] == 3)
    }

    /// Parses the header and returns the dimensions and where the data starts.
    static func header(_ bytes: [UInt8], source: String, dims expected: Int) throws(TrainError) -> [Int] {
        guard bytes.count >= 4 else { throw .invalidData(source: source, detail: "too short for an IDX header (\(bytes.count) bytes)") }
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            let magic = bytes[0..<4].map { String($0, radix: 16) }.joined(separator: " ")
            throw .invalidData(source: source, detail: "wrong magic (\(magic)): not an unsigned-byte IDX file")
        }
        guard Int(bytes[3]) == expected else {
            throw .invalidData(source: source, detail: "an IDX file of \(bytes[3]) dimensions, expected \(expected) (\(expected == 3 ? "images" : "labels"))")
        }
        guard bytes.count >= 4 + 4 * expected else { throw .invalidData(source: source, detail: "truncated IDX header") }
        let dims = (0..<expected).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
        let payload = dims.reduce(1, *), have = bytes.count - 4 - 4 * expected
        guard dims.allSatisfy({ $0 > 0 }) else { throw .invalidData(source: source, detail: "IDX dimensions \(dims) are empty") }
        guard have >= payload else {
            throw .invalidData(source: source, detail: "truncated: the header promises \(dims) = \(payload) bytes of data, the file has \(have)")
        }
        return dims
    }

    /// Reads an image file and its label file into a dataset with classes `"0"`…`"classes-1"`.
    public static func read(images: String, labels: String, classes: Int = 10) throws(TrainError) -> Dataset {
        let imageBytes = try DatasetLoader.readMaybeGzip(images)
        let dims = try header(imageBytes, source: images, dims: 3)
        let labelBytes = try DatasetLoader.readMaybeGzip(labels)
        let labelDims = try header(labelBytes, source: labels, dims: 1)
        guard labelDims[0] == dims[0] else {
            throw .invalidData(source: labels, detail: "\(labelDims[0]) labels for the \(dims[0]) images of \(images)")
        }
        let values = labelBytes[8..<(8 + dims[0])].map { Int($0) }
        if let bad = values.firstIndex(where: { $0 >= classes }) {
            throw .invalidData(source: labels, detail: "label \(values[bad]) of sample \(bad) is out of range 0..<\(classes)")
        }
        let pixels = Array(imageBytes[16..<(16 + dims.reduce(1, *))])
        return try Dataset(source: images, channels: 1, height: dims[1], width: dims[2], pixels: pixels, labels: values,
                           classNames: (0..<classes).map(String.init))
    }

    /// The label file MNIST names beside an image file: `…images-idx3-ubyte…` → `…labels-idx1-ubyte…`.
    public static func labelPath(forImages path: String) -> String? {
        guard path.contains("images-idx3-ubyte") else { return nil }
        return path.replacingOccurrences(of: "images-idx3-ubyte", with: "labels-idx1-ubyte")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
