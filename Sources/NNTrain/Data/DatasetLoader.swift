import Foundation
import NNFormat
import NNImage

/// Opens a dataset by sniffing what `path` is: a directory (image-folder tree), an IDX image file
/// (MNIST, plain or gzip, with its label file beside it or given), or a digit CSV (plain or gzip).
public enum DatasetLoader {
    /// Options for reading.
    public struct Options: Sendable {
        /// The IDX label file (default: MNIST's name beside the image file).
        public var labels: String?
        /// Classes of IDX and CSV digit data (labels must be below it).
        public var classes: Int = 10
        /// Color mode for image folders.
        public var color: ColorMode = .gray
        /// Resize every image-folder image to (width, height) (default: sizes must match).
        public var resize: (width: Int, height: Int)?

        /// Default options.
        public init() {}
    }

    /// The largest dataset file read (before decompression).
    public static let maxFileBytes = 1 << 31

    /// Loads the dataset at `path`.
    public static func load(_ path: String, options: Options = Options()) throws(TrainError) -> Dataset {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .invalidData(source: path, detail: "no such file or directory")
        }
        if isDir.boolValue { return try ImageFolderReader.read(root: path, color: options.color, resize: options.resize) }
        let bytes = try readMaybeGzip(path)
        if IDXReader.isIDX(bytes) || options.labels != nil {
            guard let labels = options.labels ?? IDXReader.labelPath(forImages: path) else {
                throw .invalidData(source: path, detail: "an IDX image file: give its label file with --labels")
            }
            return try IDXReader.read(images: path, labels: labels, classes: options.classes)
        }
        if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 {
            throw .invalidData(source: path, detail: "wrong magic: looks like an IDX file but is not unsigned-byte images (0x00000803)")
        }
        return try DigitCSVReader.parse(bytes, source: path, classes: options.classes)
    }

    /// Reads a file, inflating it when it is gzip.
    static func readMaybeGzip(_ path: String) throws(TrainError) -> [UInt8] {
        let bytes: [UInt8]
        do throws(FormatError) {
            bytes = try FileIO.read(path: path, maxBytes: maxFileBytes)
        } catch {
            throw .invalidData(source: path, detail: "cannot read: \(error)")
        }
        return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, source: path) : bytes
    }
}
