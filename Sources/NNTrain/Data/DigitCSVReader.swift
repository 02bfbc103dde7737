/// Reads the mnist_5k CSV layout (plain or gzip): one image per line, `width·height` pixel values
/// 0–255 then the integer label (integers only).
public enum DigitCSVReader {
    /// Parses CSV bytes into a gray dataset of `width`×`height` images and `classes` classes.
    public static func parse(_ bytes: [UInt8], source: String, width: Int = 28, height: Int = 28, classes: Int = 10) throws(TrainError) -> Dataset {
        let perLine = width * height + 1
        var pixels: [UInt8] = [], labels: [Int] = []
        pixels.reserveCapacity(bytes.count / 2)
        var fields = [Int](), value = 0, digits = 0, line = 1
        func fail(_ detail: String) -> TrainError { .invalidData(source: source, detail: "line \(line): \(detail)") }
        func endField() throws(TrainError) {
            guard digits > 0 else { throw fail("empty or non-numeric value in field \(fields.count + 1)") }
            fields.append(value)
            (value, digits) = (0, 0)
        }
        func endLine() throws(TrainError) {
            guard fields.count == perLine else {
                throw fail("\(fields.count) values, expected \(perLine) (\(width)×\(height) pixels, then the label)")
            }
            if let bad = fields.dropLast().firstIndex(where: { $0 > 255 }) { throw fail("pixel value \(fields[bad]) is over 255") }
            let label = fields[perLine - 1]
            guard label < classes else { throw fail("label \(label) is out of range 0..<\(classes)") }
            pixels.append(contentsOf: fields.dropLast().map { UInt8($0) })
            labels.append(label)
            fields.removeAll(keepingCapacity: true)
        }
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 9 else { throw fail("number too long") }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: ","):
                try endField()
            case UInt8(ascii: "\n"):
                if digits > 0 || !fields.isEmpty { try endField() }
                if !fields.isEmpty { try endLine() }
                line += 1
            case UInt8(ascii: "\r"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                continue
            default:
                throw fail("unexpected character '\(Character(Unicode.Scalar(b)))'")
            }
        }
        if digits > 0 || !fields.isEmpty {
            if digits > 0 { try endField() }
            try endLine()
        }
        guard !labels.isEmpty else { throw .invalidData(source: source, detail: "no images in the CSV file") }
        return try Dataset(source: source, channels: 1, height: height, width: width, pixels: pixels, labels: labels,
                           classNames: (0..<classes).map(String.init))
    }
}
